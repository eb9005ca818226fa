/**
 * NumPy `.npy` files (format versions 1.0, 2.0, 3.0) on plain bytes.
 *
 * Layout: `\x93NUMPY`, major and minor version bytes, the header length (uint16 LE for
 * v1, uint32 LE for v2/v3), a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 256, 256), }` padded with spaces
 * and a final `\n` so the data starts on a 64-byte boundary, then the raw C-order data.
 *
 * `parseNpy` reads <f4, <f8, <i4, |u1 and bool (|b1) arrays in C order and returns their
 * values as float32 (no rescaling: a uint8 255 becomes 255). `encodeNpy` writes v1.0 '<f4'
 * with the same header bytes NumPy's `np.save` writes (including its spare space for
 * growing the first axis). Bad input is `SpgdError('BAD_INPUT', ...)`.
 *
 * @example
 * const { shape, data } = parseNpy(bytes);          // e.g. [3, 256, 256]
 * const bytesOut = encodeNpy(shape, data);          // round-trips exactly
 */
import { SpgdError } from '../errors';

export interface NpyArray {
  shape: number[];
  data: Float32Array;
  /** The dtype as the file spells it, e.g. '<f4', '|u1'. */
  dtype: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Reader = (view: DataView, at: number) => number;

const DTYPES: Partial<Record<string, { size: number; read: Reader }>> = {
  '<f4': { size: 4, read: (v, at) => v.getFloat32(at, true) },
  '<f8': { size: 8, read: (v, at) => v.getFloat64(at, true) },
  '<i4': { size: 4, read: (v, at) => v.getInt32(at, true) },
  '|u1': { size: 1, read: (v, at) => v.getUint8(at) },
  '|b1': { size: 1, read: (v, at) => (v.getUint8(at) === 0 ? 0 : 1) },
};
// Spellings NumPy accepts for the same little-endian / byte-order-free types.
const ALIASES: Partial<Record<string, string>> = { u1: '|u1', '<u1': '|u1', b1: '|b1', '<b1': '|b1', '?': '|b1', '|?': '|b1', bool: '|b1' };
const SUPPORTED = '<f4, <f8, <i4, |u1, |b1 (bool)';

function bad(message: string): SpgdError {
  return new SpgdError('BAD_INPUT', message);
}

function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

function parseHeader(text: string): { descr: string; fortran: boolean; shape: number[] } {
  const key = (name: string) => `['"]${name}['"]\\s*:\\s*`;
  if (new RegExp(key('descr') + '\\[').test(text)) {
    throw bad('.npy file holds a structured (record) dtype, which is not supported; save a plain numeric array');
  }
  const descr = new RegExp(key('descr') + `(?:'([^']*)'|"([^"]*)")`).exec(text);
  const fortran = new RegExp(key('fortran_order') + '(True|False)').exec(text);
  const shape = new RegExp(key('shape') + '\\(([^)]*)\\)').exec(text);
  if (!descr || !fortran || !shape) {
    const missing = [!descr && 'descr', !fortran && 'fortran_order', !shape && 'shape'].filter(Boolean).join(', ');
    throw bad(`.npy header is malformed: it has no valid ${missing} entry (header: ${JSON.stringify(text.trim())})`);
  }
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const parsed = dims.map((d) => {
    if (!/^\d+L?$/.test(d)) throw bad(`.npy header is malformed: shape entry ${JSON.stringify(d)} is not a non-negative integer`);
    return Number.parseInt(d, 10);
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the quoting alternative that did not match leaves its group undefined (typed string)
  return { descr: descr[1] ?? descr[2], fortran: fortran[1] === 'True', shape: parsed };
}

/** Parses a `.npy` file into float32 values in C order. */
/** Whether the bytes start like a .npy file (a mask or a measurement rather than a picture). */
export function isNpy(bytes: Uint8Array): boolean {
  return MAGIC.every((m, i) => bytes[i] === m);
}

export function parseNpy(input: Uint8Array | ArrayBuffer): NpyArray {
  const b = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (b.length < 10 || !MAGIC.every((m, i) => b[i] === m)) {
    throw bad('not a .npy file: it does not start with the \\x93NUMPY magic string');
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const major = b[6];
  const minor = b[7];
  if (major < 1 || major > 3) throw bad(`.npy format version ${major}.${minor} is not supported (only 1.0 to 3.0)`);
  const lenBytes = major === 1 ? 2 : 4;
  if (b.length < 8 + lenBytes) throw bad('.npy file is truncated inside its header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (dataStart > b.length) {
    throw bad(`.npy file is truncated: its header claims ${headerLen} bytes but the file has ${b.length} in all`);
  }
  const headerBytes = b.subarray(8 + lenBytes, dataStart);
  let text = '';
  if (major === 3) text = new TextDecoder('utf-8').decode(headerBytes);
  else for (const c of headerBytes) text += String.fromCharCode(c);
  const { descr, fortran, shape } = parseHeader(text);

  const dtype = ALIASES[descr] ?? descr;
  const kind = DTYPES[dtype];
  if (!kind) {
    const hint = descr.startsWith('>') ? ' (big-endian; save with arr.astype(arr.dtype.newbyteorder("<")))' : '';
    throw bad(`.npy dtype '${descr}' is not supported${hint}; supported: ${SUPPORTED}`);
  }
  if (fortran && shape.length > 1) {
    throw bad('.npy array is stored in Fortran order (fortran_order: True); save np.ascontiguousarray(arr) instead');
  }
  let n = 1;
  for (const d of shape) n *= d;
  const need = n * kind.size;
  const have = b.length - dataStart;
  if (have < need) {
    throw bad(`.npy data is truncated: shape ${shapeText(shape)} of ${descr} needs ${need} bytes, the file has ${have}`);
  }
  if (have > need) {
    throw bad(`.npy file has ${have - need} unexpected bytes after the data of shape ${shapeText(shape)} ${descr}`);
  }
  const data = new Float32Array(n);
  for (let i = 0, at = dataStart; i < n; i++, at += kind.size) data[i] = kind.read(view, at);
  return { shape, data, dtype: descr };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const GROWTH_AXIS_MAX_DIGITS = 21; // numpy/lib/format.py: spare room to grow the first axis

/** A v1.0 '<f4' `.npy` file for `data` in C order with the given shape. */
export function encodeNpy(shape: readonly number[], data: Float32Array): Uint8Array {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`encodeNpy: invalid shape [${shape.join(', ')}]`);
    n *= d;
  }
  if (n !== data.length) {
    throw new RangeError(`encodeNpy: shape [${shape.join(', ')}] needs ${n} values, got ${data.length}`);
  }
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText(shape)}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const hlen = dict.length + 1;
  const padlen = 64 - ((10 + hlen) % 64);
  const header = dict + ' '.repeat(padlen) + '\n';
  if (header.length > 0xffff) throw new RangeError(`encodeNpy: header of ${header.length} bytes is too long for format 1.0`);

  const out = new Uint8Array(10 + header.length + 4 * n);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const start = 10 + header.length;
  if (LITTLE_ENDIAN) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), start);
  } else {
    for (let i = 0; i < n; i++) view.setFloat32(start + 4 * i, data[i], true);
  }
  return out;
}
