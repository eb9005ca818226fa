/** Attribute accessors/constructors and small tensor helpers shared by the compiler passes. */
import {
  AttrType,
  DataType,
  type DataTypeCode,
  type OnnxAttribute,
  type OnnxNode,
  type OnnxTensor,
} from './proto';

// ---------------------------------------------------------------------------------------------
// Attributes

export function getAttr(node: OnnxNode, name: string): OnnxAttribute | undefined {
  return node.attributes.find((a) => a.name === name);
}

export function attrInt(node: OnnxNode, name: string, def: number): number;
export function attrInt(node: OnnxNode, name: string): number | undefined;
export function attrInt(node: OnnxNode, name: string, def?: number): number | undefined {
  const a = getAttr(node, name);
  return a?.i ?? def;
}

export function attrFloat(node: OnnxNode, name: string, def: number): number {
  const a = getAttr(node, name);
  return a?.f ?? def;
}

export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  return getAttr(node, name)?.ints;
}

/** An ints attribute the op requires (a model without it is malformed: throws, naming the node). */
export function requiredAttrInts(node: OnnxNode, name: string): number[] {
  const v = attrInts(node, name);
  if (!v) throw new RangeError(`${node.opType} '${node.name}' has no '${name}' attribute, which it requires`);
  return v;
}

/** `map.get(key)` for a key that is there by construction; throws, naming `what`, if it is not. */
export function lookup<K, V>(map: ReadonlyMap<K, V>, key: K, what: string): V {
  const v = map.get(key);
  if (v === undefined) throw new Error(`${what}: no entry for '${String(key)}'`);
  return v;
}

/** True when every entry is present (narrows the array's element type). */
export function allDefined<T>(xs: readonly (T | undefined)[]): xs is T[] {
  return xs.every((x) => x !== undefined);
}

export function attrString(node: OnnxNode, name: string, def: string): string {
  return getAttr(node, name)?.s ?? def;
}

/** Attribute constructors for emitted nodes. */
export const attr = {
  int: (name: string, i: number): OnnxAttribute => ({ name, type: AttrType.INT, i }),
  float: (name: string, f: number): OnnxAttribute => ({ name, type: AttrType.FLOAT, f }),
  string: (name: string, s: string): OnnxAttribute => ({ name, type: AttrType.STRING, s }),
  ints: (name: string, ints: number[]): OnnxAttribute => ({ name, type: AttrType.INTS, ints }),
  floats: (name: string, floats: number[]): OnnxAttribute => ({ name, type: AttrType.FLOATS, floats }),
  tensor: (name: string, t: OnnxTensor): OnnxAttribute => ({ name, type: AttrType.TENSOR, t }),
};

// ---------------------------------------------------------------------------------------------
// Tensors

export function numelOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Builds a tensor from JS numbers (int64 values are converted to BigInt). */
export function makeTensor(name: string, dataType: DataTypeCode, dims: number[], values: ArrayLike<number>): OnnxTensor {
  const n = numelOf(dims);
  if (values.length !== n) throw new RangeError(`tensor ${name}: ${values.length} values for shape [${dims.join(',')}]`);
  let data: OnnxTensor['data'];
  switch (dataType) {
    case DataType.FLOAT:
      data = Float32Array.from(values);
      break;
    case DataType.DOUBLE:
      data = Float64Array.from(values);
      break;
    case DataType.INT64:
      data = BigInt64Array.from(Array.from(values, (v) => BigInt(Math.trunc(clampI64(v)))));
      break;
    case DataType.INT32:
      data = Int32Array.from(values);
      break;
    case DataType.BOOL:
    case DataType.UINT8:
      data = Uint8Array.from(values);
      break;
    default:
      throw new RangeError(`makeTensor: unsupported data type ${dataType}`);
  }
  return { name, dataType, dims, data };
}

function clampI64(v: number): number {
  if (v >= 9.2233720368547e18) return 9223372036854775807;
  if (v <= -9.2233720368547e18) return -9223372036854775808;
  return v;
}

/** Tensor values as JS numbers (int64 through Number()). */
export function tensorValues(t: OnnxTensor): number[] {
  const d = t.data;
  if (Array.isArray(d)) throw new RangeError(`tensor ${t.name} holds strings`);
  return Array.from(d as ArrayLike<number | bigint>, (v) => Number(v));
}

/** True when `t` is known and all its elements equal `value`. */
export function isConstantFill(t: OnnxTensor | undefined, value: number): boolean {
  if (!t || Array.isArray(t.data)) return false;
  const data = t.data as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) if (Number(data[i]) !== value) return false;
  return true;
}
