/**
 * The same ONNX subset as `lib/onnx/proto.ts`, read and written with protobufjs (reflection,
 * schema below) and converted to/from the compiler's `OnnxModel`, so `bench/protobuf.bench.ts`
 * compares the two codecs on identical work: bytes in, the same typed-array model out.
 * Field numbers follow onnx.proto; the packed flags are onnx.proto's.
 */
import protobuf from 'protobufjs';
import {
  allocData,
  AttrType,
  DataType,
  type Dim,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
  type TensorData,
  viewAs,
} from '../../lib/onnx/proto';

const f = (id: number, type: string, rule?: 'repeated', packed?: boolean) => ({ id, type, ...(rule ? { rule } : {}), ...(packed ? { options: { packed: true } } : {}) });

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: f(1, 'int64'),
            opsetImport: f(8, 'OperatorSetIdProto', 'repeated'),
            producerName: f(2, 'string'),
            producerVersion: f(3, 'string'),
            domain: f(4, 'string'),
            modelVersion: f(5, 'int64'),
            docString: f(6, 'string'),
            graph: f(7, 'GraphProto'),
            metadataProps: f(14, 'StringStringEntryProto', 'repeated'),
          },
        },
        OperatorSetIdProto: { fields: { domain: f(1, 'string'), version: f(2, 'int64') } },
        StringStringEntryProto: { fields: { key: f(1, 'string'), value: f(2, 'string') } },
        GraphProto: {
          fields: {
            node: f(1, 'NodeProto', 'repeated'),
            name: f(2, 'string'),
            initializer: f(5, 'TensorProto', 'repeated'),
            input: f(11, 'ValueInfoProto', 'repeated'),
            output: f(12, 'ValueInfoProto', 'repeated'),
            valueInfo: f(13, 'ValueInfoProto', 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: f(1, 'string', 'repeated'),
            output: f(2, 'string', 'repeated'),
            name: f(3, 'string'),
            opType: f(4, 'string'),
            domain: f(7, 'string'),
            attribute: f(5, 'AttributeProto', 'repeated'),
          },
        },
        AttributeProto: {
          fields: {
            name: f(1, 'string'),
            type: f(20, 'int32'),
            f: f(2, 'float'),
            i: f(3, 'int64'),
            s: f(4, 'bytes'),
            t: f(5, 'TensorProto'),
            g: f(6, 'GraphProto'),
            floats: f(7, 'float', 'repeated'),
            ints: f(8, 'int64', 'repeated'),
            strings: f(9, 'bytes', 'repeated'),
            tensors: f(10, 'TensorProto', 'repeated'),
            graphs: f(11, 'GraphProto', 'repeated'),
          },
        },
        TensorProto: {
          fields: {
            dims: f(1, 'int64', 'repeated'),
            dataType: f(2, 'int32'),
            floatData: f(4, 'float', 'repeated', true),
            int32Data: f(5, 'int32', 'repeated', true),
            stringData: f(6, 'bytes', 'repeated'),
            int64Data: f(7, 'int64', 'repeated', true),
            name: f(8, 'string'),
            rawData: f(9, 'bytes'),
            doubleData: f(10, 'double', 'repeated', true),
            uint64Data: f(11, 'uint64', 'repeated', true),
          },
        },
        ValueInfoProto: { fields: { name: f(1, 'string'), type: f(2, 'TypeProto') } },
        TypeProto: { fields: { tensorType: f(1, 'TypeProtoTensor') } },
        TypeProtoTensor: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } },
        TensorShapeProto: { fields: { dim: f(1, 'Dimension', 'repeated') } },
        Dimension: { fields: { dimValue: f(1, 'int64'), dimParam: f(2, 'string') }, oneofs: { value: { oneof: ['dimValue', 'dimParam'] } } },
      },
    },
  },
};

type Long = protobuf.Long;
const Long = protobuf.util.Long;
const root = protobuf.Root.fromJSON(SCHEMA);
const ModelProto = root.lookupType('onnx.ModelProto');

// Decoded messages, as far as the conversion reads them (int64 fields are Long or number).
type I64 = Long | number;
interface PbTensor {
  dims: I64[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  stringData: Uint8Array[];
  int64Data: I64[];
  name: string;
  rawData: Uint8Array;
  doubleData: number[];
  uint64Data: I64[];
}
interface PbAttribute {
  name: string;
  type: number;
  f: number;
  i: I64;
  s: Uint8Array;
  t?: PbTensor;
  g?: PbGraph;
  floats: number[];
  ints: I64[];
  strings: Uint8Array[];
  tensors: PbTensor[];
  graphs: PbGraph[];
}
interface PbNode {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: PbAttribute[];
}
interface PbValueInfo {
  name: string;
  type?: { tensorType?: { elemType: number; shape?: { dim: { dimValue?: I64; dimParam?: string }[] } } };
}
interface PbGraph {
  node: PbNode[];
  name: string;
  initializer: PbTensor[];
  input: PbValueInfo[];
  output: PbValueInfo[];
  valueInfo: PbValueInfo[];
}
interface PbModel {
  irVersion: I64;
  opsetImport: { domain: string; version: I64 }[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: I64;
  docString: string;
  graph: PbGraph;
  metadataProps: { key: string; value: string }[];
}

const utf8 = new TextDecoder();
const big = (v: I64): bigint => {
  if (typeof v === 'number') return BigInt(v);
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return v.unsigned ? bits : BigInt.asIntN(64, bits);
};
const num = (v: I64): number => (typeof v === 'number' ? v : v.unsigned ? (v.high >>> 0) * 2 ** 32 + (v.low >>> 0) : v.high * 2 ** 32 + (v.low >>> 0));
const has = (m: object, k: string) => Object.prototype.hasOwnProperty.call(m, k);

function tensorFrom(t: PbTensor): OnnxTensor {
  const dims = t.dims.map(num);
  const n = dims.reduce((p, d) => p * d, 1);
  if (t.dataType === DataType.STRING) return { name: t.name, dataType: t.dataType, dims, data: t.stringData.map((b) => utf8.decode(b)) };
  if (t.rawData.length) {
    // Copy into a fresh, aligned buffer, as the hand-written decoder does.
    return { name: t.name, dataType: t.dataType, dims, data: viewAs(t.dataType, new Uint8Array(t.rawData).buffer, n) };
  }
  const data = allocData(t.dataType, n) as Exclude<TensorData, string[]>;
  const src: (number | I64)[] =
    t.dataType === DataType.FLOAT ? t.floatData : t.dataType === DataType.DOUBLE ? t.doubleData : t.dataType === DataType.INT64 ? t.int64Data : t.uint64Data.length ? t.uint64Data : t.int32Data;
  src.forEach((v, i) => {
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = big(v);
    else data[i] = num(v);
  });
  return { name: t.name, dataType: t.dataType, dims, data };
}

function attributeFrom(a: PbAttribute): OnnxAttribute {
  const o: OnnxAttribute = { name: a.name, type: a.type };
  if (has(a, 'f')) o.f = a.f;
  if (has(a, 'i')) o.i = num(a.i);
  if (has(a, 's')) o.s = utf8.decode(a.s);
  if (a.t) o.t = tensorFrom(a.t);
  if (a.g) o.g = graphFrom(a.g);
  if (a.floats.length || a.type === AttrType.FLOATS) o.floats = a.floats;
  if (a.ints.length || a.type === AttrType.INTS) o.ints = a.ints.map(num);
  if (a.strings.length || a.type === AttrType.STRINGS) o.strings = a.strings.map((b) => utf8.decode(b));
  if (a.tensors.length || a.type === AttrType.TENSORS) o.tensors = a.tensors.map(tensorFrom);
  if (a.graphs.length || a.type === AttrType.GRAPHS) o.graphs = a.graphs.map(graphFrom);
  return o;
}

function valueInfoFrom(v: PbValueInfo): OnnxValueInfo {
  const tt = v.type?.tensorType;
  const out: OnnxValueInfo = { name: v.name, elemType: tt?.elemType ?? 0 };
  if (tt?.shape) out.shape = tt.shape.dim.map((d): Dim => (has(d, 'dimValue') ? num(d.dimValue!) : has(d, 'dimParam') ? d.dimParam! : null));
  return out;
}

function graphFrom(g: PbGraph): OnnxGraph {
  return {
    name: g.name,
    nodes: g.node.map(
      (n): OnnxNode => ({ name: n.name, opType: n.opType, domain: n.domain, inputs: n.input, outputs: n.output, attributes: n.attribute.map(attributeFrom) }),
    ),
    initializers: g.initializer.map(tensorFrom),
    inputs: g.input.map(valueInfoFrom),
    outputs: g.output.map(valueInfoFrom),
    valueInfo: g.valueInfo.map(valueInfoFrom),
  };
}

/** protobufjs decode + conversion to the compiler's model. */
export function decodeWithProtobufjs(bytes: Uint8Array): OnnxModel {
  const m = ModelProto.decode(bytes) as unknown as PbModel;
  return {
    irVersion: num(m.irVersion),
    opsetImport: m.opsetImport.map((o) => ({ domain: o.domain, version: num(o.version) })),
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    domain: m.domain,
    modelVersion: num(m.modelVersion),
    docString: m.docString,
    graph: graphFrom(m.graph),
    metadata: m.metadataProps.map((e) => ({ key: e.key, value: e.value })),
  };
}

// ---------------------------------------------------------------------------------------------
// Encoding

const utf8e = new TextEncoder();
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** int64 as a Long, clamped into range (JS numbers past 2^63 stand for INT64_MAX/MIN). */
function long(v: number | bigint): Long | number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  let b = typeof v === 'bigint' ? v : v >= 9.2233720368547e18 ? INT64_MAX : v <= -9.2233720368547e18 ? INT64_MIN : BigInt(Math.trunc(v));
  b = BigInt.asUintN(64, b);
  return new Long(Number(b & 0xffffffffn) | 0, Number(b >> 32n) | 0, false);
}

function tensorTo(t: OnnxTensor): object {
  const base = { dims: t.dims.map(long), dataType: t.dataType, name: t.name };
  if (t.dataType === DataType.STRING) return { ...base, stringData: (t.data as string[]).map((s) => utf8e.encode(s)) };
  const a = t.data as Exclude<TensorData, string[]>;
  return { ...base, rawData: new Uint8Array(a.buffer, a.byteOffset, a.byteLength) };
}

function attributeTo(a: OnnxAttribute): object {
  const o: Record<string, unknown> = { name: a.name, type: a.type };
  if (a.type === AttrType.FLOAT) o.f = a.f ?? 0;
  if (a.type === AttrType.INT) o.i = long(a.i ?? 0);
  if (a.type === AttrType.STRING) o.s = utf8e.encode(a.s ?? '');
  if (a.type === AttrType.TENSOR && a.t) o.t = tensorTo(a.t);
  if (a.type === AttrType.GRAPH && a.g) o.g = graphTo(a.g);
  if (a.type === AttrType.FLOATS) o.floats = a.floats ?? [];
  if (a.type === AttrType.INTS) o.ints = (a.ints ?? []).map(long);
  if (a.type === AttrType.STRINGS) o.strings = (a.strings ?? []).map((s) => utf8e.encode(s));
  if (a.type === AttrType.TENSORS) o.tensors = (a.tensors ?? []).map(tensorTo);
  if (a.type === AttrType.GRAPHS) o.graphs = (a.graphs ?? []).map(graphTo);
  return o;
}

function valueInfoTo(v: OnnxValueInfo): object {
  const dim = v.shape?.map((d) => (typeof d === 'number' ? { dimValue: long(d) } : typeof d === 'string' ? { dimParam: d } : {}));
  return { name: v.name, type: { tensorType: { elemType: v.elemType, ...(dim ? { shape: { dim } } : {}) } } };
}

function graphTo(g: OnnxGraph): object {
  return {
    node: g.nodes.map((n) => ({ input: n.inputs, output: n.outputs, name: n.name, opType: n.opType, domain: n.domain, attribute: n.attributes.map(attributeTo) })),
    name: g.name || 'graph',
    initializer: g.initializers.map(tensorTo),
    input: g.inputs.map(valueInfoTo),
    output: g.outputs.map(valueInfoTo),
    valueInfo: g.valueInfo.map(valueInfoTo),
  };
}

/** Conversion from the compiler's model + protobufjs encode. */
export function encodeWithProtobufjs(m: OnnxModel): Uint8Array {
  const msg = {
    irVersion: long(m.irVersion),
    opsetImport: m.opsetImport.map((o) => ({ domain: o.domain, version: long(o.version) })),
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    domain: m.domain,
    modelVersion: long(m.modelVersion),
    docString: m.docString,
    graph: graphTo(m.graph),
    metadataProps: m.metadata,
  };
  return ModelProto.encode(msg).finish();
}
