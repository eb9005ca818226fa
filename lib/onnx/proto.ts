/**
 * Minimal ONNX ModelProto reader/writer: a hand-written protobuf wire codec for the subset of
 * `onnx.proto` the compiler needs (ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto,
 * StringStringEntryProto). Field numbers follow onnx.proto (IR version 8/9).
 *
 * Works on `Uint8Array` only (no Node `Buffer`, no `fs`), so it runs in the browser too.
 * Tensor payloads are decoded into typed arrays (`raw_data` or the typed repeated fields);
 * the encoder always writes `raw_data` (strings go to `string_data`). Unknown fields are
 * skipped on read. int64 scalars (attribute `i`, `ints`, dims) are JS numbers; values past
 * 2^53 (for example Slice's INT64_MAX ends) are clamped back into int64 range on write.
 * Tensors with external data are rejected. Compared with protobufjs in
 * `bench/results/protobuf.md` (`npm run bench:protobuf`).
 */
import { SpgdError } from '../errors';

/** TensorProto.DataType values. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;
export type DataTypeCode = number;

/** AttributeProto.AttributeType values. */
export const AttrType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

export type TensorData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array
  | Int32Array
  | Uint32Array
  | Int16Array
  | Uint16Array
  | Int8Array
  | Uint8Array
  | string[];

export interface OnnxTensor {
  name: string;
  dataType: DataTypeCode;
  dims: number[];
  /** Element data. FLOAT16/BFLOAT16 are raw bits in a Uint16Array; BOOL is a Uint8Array. */
  data: TensorData;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  t?: OnnxTensor;
  g?: OnnxGraph;
  floats?: number[];
  ints?: number[];
  strings?: string[];
  tensors?: OnnxTensor[];
  graphs?: OnnxGraph[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** One dimension: a number, a symbolic name, or null when unknown. */
export type Dim = number | string | null;

export interface OnnxValueInfo {
  name: string;
  /** Element type of a tensor value (0 when the type is absent or not a tensor). */
  elemType: DataTypeCode;
  /** Undefined when the shape is unknown (not even the rank). */
  shape?: Dim[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxOpset {
  domain: string;
  version: number;
}

export interface OnnxModel {
  irVersion: number;
  opsetImport: OnnxOpset[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  graph: OnnxGraph;
  metadata: { key: string; value: string }[];
  /** True when the file held model-local functions (ModelProto.functions); they are not kept. */
  hadFunctions?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Wire-format reader

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw badProto('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
      if (shift > 70n) throw badProto('varint too long');
    }
    return result;
  }

  /** Unsigned varint that fits a JS number (tags, lengths, enums). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw badProto('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
      if (mul > 2 ** 63) throw badProto('varint too long');
    }
    return result;
  }

  /** A signed int64 varint as a JS number (clamped precision beyond 2^53). */
  int64(): number {
    return Number(BigInt.asIntN(64, this.varintBig()));
  }

  int32(): number {
    return Number(BigInt.asIntN(32, this.varintBig()));
  }

  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.end) throw badProto('truncated length-delimited field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  sub(): Reader {
    const len = this.varint();
    if (this.pos + len > this.end) throw badProto('truncated sub-message');
    const r = new Reader(this.buf, this.pos, this.pos + len);
    this.pos += len;
    return r;
  }

  string(): string {
    return textDecoder.decode(this.bytes());
  }

  float(): number {
    if (this.pos + 4 > this.end) throw badProto('truncated float');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw badProto('truncated double');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varintBig();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2: {
        const len = this.varint();
        this.pos += len;
        return;
      }
      case 5:
        this.pos += 4;
        return;
      default:
        throw badProto(`unsupported wire type ${wireType}`);
    }
  }
}

function badProto(what: string): SpgdError {
  return new SpgdError('BAD_MODEL', `not a valid ONNX model: ${what}`);
}

/** Reads a repeated scalar field that may be packed (wire type 2) or not. */
function readRepeated(r: Reader, wireType: number, one: (r: Reader) => number, out: number[]): void {
  if (wireType === 2) {
    const s = r.sub();
    while (!s.done) out.push(one(s));
  } else out.push(one(r));
}

function readRepeatedBig(r: Reader, wireType: number, out: bigint[]): void {
  if (wireType === 2) {
    const s = r.sub();
    while (!s.done) out.push(s.varintBig());
  } else out.push(r.varintBig());
}

function decodeOpset(r: Reader): OnnxOpset {
  const o: OnnxOpset = { domain: '', version: 0 };
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const w = tag & 7;
    if (f === 1 && w === 2) o.domain = r.string();
    else if (f === 2 && w === 0) o.version = r.int64();
    else r.skip(w);
  }
  return o;
}

function decodeStringEntry(r: Reader): { key: string; value: string } {
  const e = { key: '', value: '' };
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const w = tag & 7;
    if (f === 1 && w === 2) e.key = r.string();
    else if (f === 2 && w === 2) e.value = r.string();
    else r.skip(w);
  }
  return e;
}

/** Bytes per element of a data type's raw_data encoding (0 for strings/unknown). */
function elemSize(dt: DataTypeCode): number {
  switch (dt) {
    case DataType.FLOAT:
    case DataType.INT32:
    case DataType.UINT32:
      return 4;
    case DataType.DOUBLE:
    case DataType.INT64:
    case DataType.UINT64:
      return 8;
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
    case DataType.INT16:
    case DataType.UINT16:
      return 2;
    case DataType.UINT8:
    case DataType.INT8:
    case DataType.BOOL:
      return 1;
    default:
      return 0;
  }
}

/** A zero-filled typed array for `n` elements of `dt`. */
export function allocData(dt: DataTypeCode, n: number): TensorData {
  switch (dt) {
    case DataType.FLOAT:
      return new Float32Array(n);
    case DataType.DOUBLE:
      return new Float64Array(n);
    case DataType.INT64:
      return new BigInt64Array(n);
    case DataType.UINT64:
      return new BigUint64Array(n);
    case DataType.INT32:
      return new Int32Array(n);
    case DataType.UINT32:
      return new Uint32Array(n);
    case DataType.INT16:
      return new Int16Array(n);
    case DataType.UINT16:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return new Uint16Array(n);
    case DataType.INT8:
      return new Int8Array(n);
    case DataType.UINT8:
    case DataType.BOOL:
      return new Uint8Array(n);
    case DataType.STRING:
      return new Array<string>(n).fill('');
    default:
      throw new SpgdError('BAD_MODEL', `unsupported tensor data type ${dt}`);
  }
}

/** A TensorProto's fields as read from the wire (before they become one typed array). */
interface TensorFields {
  name: string;
  dataType: number;
  dims: number[];
  raw?: Uint8Array;
  floats: number[];
  int32s: number[];
  int64s: bigint[];
  uint64s: bigint[];
  doubles: number[];
  strings: string[];
  external: boolean;
}

function readTensorFields(r: Reader): TensorFields {
  const t: TensorFields = { name: '', dataType: DataType.UNDEFINED, dims: [], floats: [], int32s: [], int64s: [], uint64s: [], doubles: [], strings: [], external: false };
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const w = tag & 7;
    switch (f) {
      case 1:
        readRepeated(r, w, (s) => s.int64(), t.dims);
        break;
      case 2:
        t.dataType = r.int32();
        break;
      case 4:
        readRepeated(r, w, (s) => s.float(), t.floats);
        break;
      case 5:
        readRepeated(r, w, (s) => s.int32(), t.int32s);
        break;
      case 6:
        t.strings.push(r.string());
        break;
      case 7:
        readRepeatedBig(r, w, t.int64s);
        break;
      case 8:
        t.name = r.string();
        break;
      case 9:
        t.raw = r.bytes();
        break;
      case 10:
        readRepeated(r, w, (s) => s.double(), t.doubles);
        break;
      case 11:
        readRepeatedBig(r, w, t.uint64s);
        break;
      case 13:
        t.external = true;
        r.skip(w);
        break;
      case 14:
        if (r.varint() === 1) t.external = true;
        break;
      default:
        r.skip(w);
    }
  }
  return t;
}

/** The typed-repeated-field values of a tensor without raw_data. */
function typedValues(t: TensorFields): ArrayLike<number | bigint> {
  switch (t.dataType) {
    case DataType.FLOAT:
      return t.floats;
    case DataType.DOUBLE:
      return t.doubles;
    case DataType.INT64:
      return t.int64s;
    case DataType.UINT64:
    case DataType.UINT32:
      return t.uint64s.length ? t.uint64s : t.int32s;
    default:
      return t.int32s;
  }
}

function decodeTensor(r: Reader): OnnxTensor {
  const t = readTensorFields(r);
  const { name, dataType, dims, raw } = t;
  if (t.external) {
    throw new SpgdError(
      'BAD_MODEL',
      `tensor '${name}' stores its data in an external file; save the model with all weights inside the .onnx file`,
    );
  }
  let n = 1;
  for (const d of dims) n *= d;
  if (dataType === DataType.STRING) return { name, dataType, dims, data: t.strings };
  if (raw !== undefined) {
    const size = elemSize(dataType);
    if (size === 0) throw new SpgdError('BAD_MODEL', `tensor '${name}' has unsupported data type ${dataType}`);
    if (raw.length !== n * size) {
      throw new SpgdError('BAD_MODEL', `tensor '${name}' raw_data has ${raw.length} bytes, expected ${n * size}`);
    }
    // Copy into a fresh, aligned buffer (little-endian on every platform we run on). Not
    // raw.slice(): on a Node Buffer that is a view into the whole file, not a copy.
    return { name, dataType, dims, data: viewAs(dataType, new Uint8Array(raw).buffer, n) };
  }
  const data = allocData(dataType, n);
  const src = typedValues(t);
  if (src.length !== n) {
    throw new SpgdError('BAD_MODEL', `tensor '${name}' holds ${src.length} values, its shape needs ${n}`);
  }
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(v);
    else (data as Float32Array)[i] = Number(v);
  }
  return { name, dataType, dims, data };
}

/** `n` elements of `dt` over `buf` from offset 0 (buf holds little-endian raw_data). */
export function viewAs(dt: DataTypeCode, buf: ArrayBufferLike, n: number): TensorData {
  switch (dt) {
    case DataType.FLOAT:
      return new Float32Array(buf, 0, n);
    case DataType.DOUBLE:
      return new Float64Array(buf, 0, n);
    case DataType.INT64:
      return new BigInt64Array(buf, 0, n);
    case DataType.UINT64:
      return new BigUint64Array(buf, 0, n);
    case DataType.INT32:
      return new Int32Array(buf, 0, n);
    case DataType.UINT32:
      return new Uint32Array(buf, 0, n);
    case DataType.INT16:
      return new Int16Array(buf, 0, n);
    case DataType.UINT16:
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
      return new Uint16Array(buf, 0, n);
    case DataType.INT8:
      return new Int8Array(buf, 0, n);
    default:
      return new Uint8Array(buf, 0, n);
  }
}

function decodeAttribute(r: Reader): OnnxAttribute {
  const a: OnnxAttribute = { name: '', type: AttrType.UNDEFINED };
  const floats: number[] = [];
  const ints: number[] = [];
  const strings: string[] = [];
  const tensors: OnnxTensor[] = [];
  const graphs: OnnxGraph[] = [];
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const w = tag & 7;
    switch (f) {
      case 1:
        a.name = r.string();
        break;
      case 2:
        a.f = r.float();
        break;
      case 3:
        a.i = r.int64();
        break;
      case 4:
        a.s = r.string();
        break;
      case 5:
        a.t = decodeTensor(r.sub());
        break;
      case 6:
        a.g = decodeGraph(r.sub());
        break;
      case 7:
        readRepeated(r, w, (s) => s.float(), floats);
        break;
      case 8:
        readRepeated(r, w, (s) => s.int64(), ints);
        break;
      case 9:
        strings.push(r.string());
        break;
      case 10:
        tensors.push(decodeTensor(r.sub()));
        break;
      case 11:
        graphs.push(decodeGraph(r.sub()));
        break;
      case 20:
        a.type = r.int32();
        break;
      default:
        r.skip(w);
    }
  }
  if (floats.length || a.type === AttrType.FLOATS) a.floats = floats;
  if (ints.length || a.type === AttrType.INTS) a.ints = ints;
  if (strings.length || a.type === AttrType.STRINGS) a.strings = strings;
  if (tensors.length || a.type === AttrType.TENSORS) a.tensors = tensors;
  if (graphs.length || a.type === AttrType.GRAPHS) a.graphs = graphs;
  if (a.type === AttrType.UNDEFINED) {
    // IR < 2 files leave the type out; infer it from the field present.
    if (a.f !== undefined) a.type = AttrType.FLOAT;
    else if (a.i !== undefined) a.type = AttrType.INT;
    else if (a.s !== undefined) a.type = AttrType.STRING;
    else if (a.t) a.type = AttrType.TENSOR;
    else if (a.g) a.type = AttrType.GRAPH;
    else if (a.floats) a.type = AttrType.FLOATS;
    else if (a.ints) a.type = AttrType.INTS;
    else if (a.strings) a.type = AttrType.STRINGS;
  }
  return a;
}

function decodeNode(r: Reader): OnnxNode {
  const n: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const w = tag & 7;
    switch (f) {
      case 1:
        n.inputs.push(r.string());
        break;
      case 2:
        n.outputs.push(r.string());
        break;
      case 3:
        n.name = r.string();
        break;
      case 4:
        n.opType = r.string();
        break;
      case 5:
        n.attributes.push(decodeAttribute(r.sub()));
        break;
      case 7:
        n.domain = r.string();
        break;
      default:
        r.skip(w);
    }
  }
  return n;
}

function decodeShape(r: Reader): Dim[] {
  const dims: Dim[] = [];
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const w = tag & 7;
    if (f === 1 && w === 2) {
      const d = r.sub();
      let dim: Dim = null;
      while (!d.done) {
        const t2 = d.varint();
        const f2 = t2 >>> 3;
        const w2 = t2 & 7;
        if (f2 === 1 && w2 === 0) dim = d.int64();
        else if (f2 === 2 && w2 === 2) dim = d.string();
        else d.skip(w2);
      }
      dims.push(dim);
    } else r.skip(w);
  }
  return dims;
}

function decodeValueInfo(r: Reader): OnnxValueInfo {
  const v: OnnxValueInfo = { name: '', elemType: 0 };
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const w = tag & 7;
    if (f === 1 && w === 2) v.name = r.string();
    else if (f === 2 && w === 2) {
      const tp = r.sub();
      while (!tp.done) {
        const t2 = tp.varint();
        const f2 = t2 >>> 3;
        const w2 = t2 & 7;
        if (f2 === 1 && w2 === 2) {
          const tt = tp.sub();
          while (!tt.done) {
            const t3 = tt.varint();
            const f3 = t3 >>> 3;
            const w3 = t3 & 7;
            if (f3 === 1 && w3 === 0) v.elemType = tt.int32();
            else if (f3 === 2 && w3 === 2) v.shape = decodeShape(tt.sub());
            else tt.skip(w3);
          }
        } else tp.skip(w2);
      }
    } else r.skip(w);
  }
  return v;
}

function decodeGraph(r: Reader): OnnxGraph {
  const g: OnnxGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] };
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const w = tag & 7;
    switch (f) {
      case 1:
        g.nodes.push(decodeNode(r.sub()));
        break;
      case 2:
        g.name = r.string();
        break;
      case 5:
        g.initializers.push(decodeTensor(r.sub()));
        break;
      case 11:
        g.inputs.push(decodeValueInfo(r.sub()));
        break;
      case 12:
        g.outputs.push(decodeValueInfo(r.sub()));
        break;
      case 13:
        g.valueInfo.push(decodeValueInfo(r.sub()));
        break;
      case 15:
        throw new SpgdError('BAD_MODEL', 'sparse initializers are not supported');
      default:
        r.skip(w);
    }
  }
  return g;
}

/** Decodes a serialized ONNX ModelProto. Throws SpgdError('BAD_MODEL') on malformed input. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw badProto('empty input');
  const r = new Reader(bytes);
  const m: OnnxModel = {
    irVersion: 0,
    opsetImport: [],
    producerName: '',
    producerVersion: '',
    domain: '',
    modelVersion: 0,
    docString: '',
    graph: { name: '', nodes: [], initializers: [], inputs: [], outputs: [], valueInfo: [] },
    metadata: [],
  };
  let sawGraph = false;
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const w = tag & 7;
    switch (f) {
      case 1:
        m.irVersion = r.int64();
        break;
      case 2:
        m.producerName = r.string();
        break;
      case 3:
        m.producerVersion = r.string();
        break;
      case 4:
        m.domain = r.string();
        break;
      case 5:
        m.modelVersion = r.int64();
        break;
      case 6:
        m.docString = r.string();
        break;
      case 7:
        m.graph = decodeGraph(r.sub());
        sawGraph = true;
        break;
      case 8:
        m.opsetImport.push(decodeOpset(r.sub()));
        break;
      case 14:
        m.metadata.push(decodeStringEntry(r.sub()));
        break;
      case 25:
        m.hadFunctions = true;
        r.skip(w);
        break;
      default:
        r.skip(w);
    }
  }
  if (!sawGraph) throw badProto('no graph');
  return m;
}

// ---------------------------------------------------------------------------------------------
// Wire-format writer. A message's length prefix comes before it, so the encoder runs twice over
// the same code: the first pass only measures (the size of every message, in visiting order),
// the second writes into one buffer of the exact size. Tensor payloads are copied once, into
// that buffer; nothing is allocated per message.

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

function toInt64(v: number | bigint): bigint {
  if (typeof v === 'bigint') return v;
  if (!Number.isFinite(v)) throw new RangeError(`cannot encode ${v} as int64`);
  if (v >= 9.2233720368547e18) return INT64_MAX;
  if (v <= -9.2233720368547e18) return INT64_MIN;
  return BigInt(Math.trunc(v));
}

/** True when every UTF-16 unit of `s` is ASCII (then its UTF-8 length is s.length). */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

class Writer {
  /** null while measuring. */
  private buf: Uint8Array | null = null;
  private pos = 0;
  private readonly sizes: number[] = [];
  private nextSize = 0;

  /** Runs `fill` to measure, then again to write; returns the bytes. */
  static encode(fill: (w: Writer) => void): Uint8Array {
    const w = new Writer();
    fill(w);
    w.buf = new Uint8Array(w.pos);
    w.pos = 0;
    fill(w);
    return w.buf;
  }

  varint(v: number | bigint): void {
    const b = this.buf;
    if (typeof v === 'number' && v >= 0 && v < 2 ** 31) {
      if (!b) {
        this.pos += v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
        return;
      }
      while (v >= 0x80) {
        b[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      b[this.pos++] = v;
      return;
    }
    let x = BigInt.asUintN(64, toInt64(v));
    for (; x >= 0x80n; x >>= 7n) {
      if (b) b[this.pos] = Number(x & 0x7fn) | 0x80;
      this.pos++;
    }
    if (b) b[this.pos] = Number(x);
    this.pos++;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, 2);
    this.varint(bytes.length);
    this.buf?.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  stringField(field: number, s: string): void {
    if (!isAscii(s)) {
      this.bytesField(field, textEncoder.encode(s));
      return;
    }
    this.tag(field, 2);
    this.varint(s.length);
    const b = this.buf;
    if (b) for (let i = 0; i < s.length; i++) b[this.pos + i] = s.charCodeAt(i);
    this.pos += s.length;
  }

  int64Field(field: number, v: number | bigint): void {
    this.tag(field, 0);
    this.varint(v);
  }

  floatField(field: number, v: number): void {
    this.tag(field, 5);
    if (this.buf) new DataView(this.buf.buffer, this.pos, 4).setFloat32(0, v, true);
    this.pos += 4;
  }

  /** A length-delimited sub-message written by `fill`. */
  message(field: number, fill: (w: Writer) => void): void {
    this.tag(field, 2);
    if (this.buf) {
      this.varint(this.sizes[this.nextSize++]);
      fill(this);
      return;
    }
    const k = this.sizes.push(0) - 1;
    const start = this.pos;
    fill(this);
    this.sizes[k] = this.pos - start;
    this.varint(this.sizes[k]);
  }

  packedInt64(field: number, vals: readonly (number | bigint)[]): void {
    this.message(field, (w) => {
      for (const v of vals) w.varint(v);
    });
  }

  packedFloat(field: number, vals: readonly number[]): void {
    const b = new Uint8Array(vals.length * 4);
    const dv = new DataView(b.buffer);
    vals.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    this.bytesField(field, b);
  }
}

function encodeTensor(w: Writer, t: OnnxTensor): void {
  for (const d of t.dims) w.int64Field(1, d);
  w.int64Field(2, t.dataType);
  if (t.name) w.stringField(8, t.name);
  if (t.dataType === DataType.STRING) {
    for (const s of t.data as string[]) w.stringField(6, s);
  } else {
    const a = t.data as Exclude<TensorData, string[]>;
    w.bytesField(9, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }
}

function encodeAttribute(w: Writer, a: OnnxAttribute): void {
  w.stringField(1, a.name);
  switch (a.type) {
    case AttrType.FLOAT:
      w.floatField(2, a.f ?? 0);
      break;
    case AttrType.INT:
      w.int64Field(3, a.i ?? 0);
      break;
    case AttrType.STRING:
      w.stringField(4, a.s ?? '');
      break;
    case AttrType.TENSOR:
      if (a.t) {
        const t = a.t;
        w.message(5, (c) => encodeTensor(c, t));
      }
      break;
    case AttrType.GRAPH:
      if (a.g) {
        const sub = a.g;
        w.message(6, (c) => encodeGraph(c, sub));
      }
      break;
    case AttrType.FLOATS:
      w.packedFloat(7, a.floats ?? []);
      break;
    case AttrType.INTS:
      w.packedInt64(8, a.ints ?? []);
      break;
    case AttrType.STRINGS:
      for (const s of a.strings ?? []) w.stringField(9, s);
      break;
    case AttrType.TENSORS:
      for (const t of a.tensors ?? []) w.message(10, (c) => encodeTensor(c, t));
      break;
    case AttrType.GRAPHS:
      for (const g of a.graphs ?? []) w.message(11, (c) => encodeGraph(c, g));
      break;
    default:
      throw new SpgdError('BAD_MODEL', `attribute '${a.name}' has unsupported type ${a.type}`);
  }
  w.int64Field(20, a.type);
}

function encodeNode(w: Writer, n: OnnxNode): void {
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  if (n.name) w.stringField(3, n.name);
  w.stringField(4, n.opType);
  for (const a of n.attributes) w.message(5, (c) => encodeAttribute(c, a));
  if (n.domain) w.stringField(7, n.domain);
}

function encodeValueInfo(w: Writer, v: OnnxValueInfo): void {
  w.stringField(1, v.name);
  // TypeProto { tensor_type: { elem_type, shape { dim* } } }
  w.message(2, (tp) =>
    tp.message(1, (tt) => {
      tt.int64Field(1, v.elemType);
      const shape = v.shape;
      if (!shape) return;
      tt.message(2, (sh) => {
        for (const d of shape) {
          sh.message(1, (dw) => {
            if (typeof d === 'number') dw.int64Field(1, d);
            else if (typeof d === 'string') dw.stringField(2, d);
          });
        }
      });
    }),
  );
}

function encodeGraph(w: Writer, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (c) => encodeNode(c, n));
  w.stringField(2, g.name || 'graph');
  for (const t of g.initializers) w.message(5, (c) => encodeTensor(c, t));
  for (const v of g.inputs) w.message(11, (c) => encodeValueInfo(c, v));
  for (const v of g.outputs) w.message(12, (c) => encodeValueInfo(c, v));
  for (const v of g.valueInfo) w.message(13, (c) => encodeValueInfo(c, v));
}

/** Serializes a model to ONNX protobuf bytes. */
export function encodeModel(m: OnnxModel): Uint8Array {
  return Writer.encode((w) => encodeModelFields(w, m));
}

function encodeModelFields(w: Writer, m: OnnxModel): void {
  w.int64Field(1, m.irVersion);
  if (m.producerName) w.stringField(2, m.producerName);
  if (m.producerVersion) w.stringField(3, m.producerVersion);
  if (m.domain) w.stringField(4, m.domain);
  if (m.modelVersion) w.int64Field(5, m.modelVersion);
  if (m.docString) w.stringField(6, m.docString);
  w.message(7, (c) => encodeGraph(c, m.graph));
  for (const o of m.opsetImport) {
    w.message(8, (c) => {
      if (o.domain) c.stringField(1, o.domain);
      c.int64Field(2, o.version);
    });
  }
  for (const e of m.metadata) {
    w.message(14, (c) => {
      c.stringField(1, e.key);
      c.stringField(2, e.value);
    });
  }
}

/** The default-domain ('' or 'ai.onnx') opset version a model imports (0 when absent). */
export function defaultOpset(m: OnnxModel): number {
  for (const o of m.opsetImport) if (o.domain === '' || o.domain === 'ai.onnx') return o.version;
  return 0;
}

export function isFloatType(dt: DataTypeCode): boolean {
  return dt === DataType.FLOAT || dt === DataType.DOUBLE || dt === DataType.FLOAT16 || dt === DataType.BFLOAT16;
}

export function dataTypeName(dt: DataTypeCode): string {
  const names: Record<number, string> = {
    [DataType.FLOAT]: 'float32',
    [DataType.DOUBLE]: 'float64',
    [DataType.FLOAT16]: 'float16',
    [DataType.BFLOAT16]: 'bfloat16',
  };
  if (names[dt]) return names[dt];
  for (const [k, v] of Object.entries(DataType)) if (v === dt) return k.toLowerCase();
  return `type${dt}`;
}
