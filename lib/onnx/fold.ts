/**
 * Compile-time evaluation of small constant subgraphs (shape arithmetic, Constant nodes,
 * Shape of statically shaped values). Only exact operations are folded for floating-point
 * values (data movement, casts, + - * /, sqrt, each rounded once to the element type), so
 * folding never changes what the network computes.
 */
import { attrInt, attrInts, getAttr, makeTensor, numelOf, tensorValues } from './attrs';
import { DataType, isFloatType, type DataTypeCode, type OnnxNode, type OnnxTensor } from './proto';
import {
  broadcastShapes,
  normAxis,
  reduceAxes,
  resolveReshape,
  sliceAxes,
  splitSizes,
  squeezeAxes,
  unsqueezeShape,
  type ValueMeta,
} from './shapes';

/** Largest tensor (in elements) a folded node may produce or read. */
export const FOLD_MAX_ELEMENTS = 4096;

interface Arr {
  dtype: DataTypeCode;
  dims: number[];
  v: number[];
}

const arr = (t: OnnxTensor): Arr => ({ dtype: t.dataType, dims: [...t.dims], v: tensorValues(t) });

function out(a: Arr): OnnxTensor {
  const v = a.dtype === DataType.FLOAT ? a.v.map(Math.fround) : a.v;
  return makeTensor('', a.dtype, a.dims, v);
}

const FOLDABLE_TYPES = new Set<number>([
  DataType.FLOAT,
  DataType.DOUBLE,
  DataType.INT64,
  DataType.INT32,
  DataType.BOOL,
  DataType.UINT8,
]);

function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1] * dims[i + 1];
  return s;
}

/** Reads element `idx` (multi-index into `shape`) of `a` broadcast to `shape`. */
function broadcastGet(a: Arr, shape: readonly number[], flat: number, outStrides: number[]): number {
  const off = shape.length - a.dims.length;
  const st = strides(a.dims);
  let src = 0;
  for (let i = 0; i < shape.length; i++) {
    const coord = Math.floor(flat / outStrides[i]) % shape[i];
    if (i >= off) {
      const d = a.dims[i - off];
      src += (d === 1 ? 0 : coord) * st[i - off];
    }
  }
  return a.v[src];
}

function elementwise(inputs: Arr[], dtype: DataTypeCode, f: (...x: number[]) => number): Arr {
  const shape = broadcastShapes(...inputs.map((a) => a.dims));
  const n = numelOf(shape);
  const st = strides(shape);
  const v = new Array<number>(n);
  for (let i = 0; i < n; i++) v[i] = f(...inputs.map((a) => broadcastGet(a, shape, i, st)));
  return { dtype, dims: shape, v };
}

function isInt(dt: DataTypeCode): boolean {
  return !isFloatType(dt);
}

function transposeArr(a: Arr, perm: number[]): Arr {
  const dims = perm.map((p) => a.dims[p]);
  const st = strides(a.dims);
  const ost = strides(dims);
  const n = a.v.length;
  const v = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let k = 0; k < dims.length; k++) src += (Math.floor(i / ost[k]) % dims[k]) * st[perm[k]];
    v[i] = a.v[src];
  }
  return { dtype: a.dtype, dims, v };
}

/**
 * Evaluates `node` when its result is known at compile time; returns null otherwise.
 * `inConsts[i]` is the constant value of input i (if known); `inMeta` its static shape.
 */
export function evaluateConstant(
  node: OnnxNode,
  inConsts: (OnnxTensor | undefined)[],
  inMeta: (ValueMeta | undefined)[],
  opset: number,
): OnnxTensor[] | null {
  if (node.domain && node.domain !== 'ai.onnx') return null;
  const op = node.opType;
  if (op === 'Constant') {
    const c = constantValue(node);
    return c ? [c] : null;
  }
  if (op === 'Shape') {
    const m = inMeta[0];
    if (!m) return null;
    const r = m.shape.length;
    const clamp = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
    const s = m.shape.slice(clamp(attrInt(node, 'start', 0)), clamp(attrInt(node, 'end', r)));
    return [makeTensor('', DataType.INT64, [s.length], s)];
  }
  if (op === 'Size') {
    const m = inMeta[0];
    return m ? [makeTensor('', DataType.INT64, [], [numelOf(m.shape)])] : null;
  }
  // Every present input must be a small constant of a plain numeric type.
  for (let i = 0; i < node.inputs.length; i++) {
    if (!node.inputs[i]) continue;
    const c = inConsts[i];
    if (!c || !FOLDABLE_TYPES.has(c.dataType) || numelOf(c.dims) > FOLD_MAX_ELEMENTS) return null;
  }
  if (node.inputs.filter(Boolean).length === 0 && op !== 'ConstantOfShape') return null;
  const a = inConsts.map((c) => (c ? arr(c) : undefined));
  const x = a[0]!;
  let res: Arr | Arr[] | null = null;
  switch (op) {
    case 'Identity':
      res = x;
      break;
    case 'Cast': {
      const to = attrInt(node, 'to', DataType.FLOAT);
      if (!FOLDABLE_TYPES.has(to)) return null;
      const v = isInt(to) && !isInt(x.dtype) ? x.v.map(Math.trunc) : x.v;
      res = { dtype: to, dims: x.dims, v: to === DataType.BOOL ? v.map((e) => (e ? 1 : 0)) : v };
      break;
    }
    case 'Reshape':
      res = { ...x, dims: resolveReshape(x.dims, a[1]!.v, attrInt(node, 'allowzero', 0) === 1) };
      break;
    case 'Flatten': {
      let axis = attrInt(node, 'axis', 1);
      if (axis < 0) axis += x.dims.length;
      res = { ...x, dims: [numelOf(x.dims.slice(0, axis)), numelOf(x.dims.slice(axis))] };
      break;
    }
    case 'Unsqueeze': {
      const axes = squeezeAxes(node, inConsts, opset);
      if (!axes) return null;
      res = { ...x, dims: unsqueezeShape(x.dims, axes) };
      break;
    }
    case 'Squeeze': {
      const axes = squeezeAxes(node, inConsts, opset);
      if (axes === undefined) return null;
      const drop = axes === null ? x.dims.map((d, i) => (d === 1 ? i : -1)) : axes.map((ax) => normAxis(ax, x.dims.length));
      res = { ...x, dims: x.dims.filter((_, i) => !drop.includes(i)) };
      break;
    }
    case 'Concat': {
      const parts = a.filter((p, i) => p && node.inputs[i]) as Arr[];
      const axis = normAxis(attrInt(node, 'axis', 0), parts[0].dims.length);
      const outer = numelOf(parts[0].dims.slice(0, axis));
      const v: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (const p of parts) {
          const inner = numelOf(p.dims.slice(axis));
          v.push(...p.v.slice(o * inner, (o + 1) * inner));
        }
      }
      const dims = [...parts[0].dims];
      dims[axis] = parts.reduce((s, p) => s + p.dims[axis], 0);
      res = { dtype: parts[0].dtype, dims, v };
      break;
    }
    case 'Gather': {
      const idx = a[1]!;
      const axis = normAxis(attrInt(node, 'axis', 0), x.dims.length);
      const outer = numelOf(x.dims.slice(0, axis));
      const inner = numelOf(x.dims.slice(axis + 1));
      const dim = x.dims[axis];
      const v: number[] = [];
      for (let o = 0; o < outer; o++) {
        for (let j of idx.v) {
          if (j < 0) j += dim;
          if (j < 0 || j >= dim) return null;
          const base = (o * dim + j) * inner;
          v.push(...x.v.slice(base, base + inner));
        }
      }
      res = { dtype: x.dtype, dims: [...x.dims.slice(0, axis), ...idx.dims, ...x.dims.slice(axis + 1)], v };
      break;
    }
    case 'Slice': {
      if (opset < 10) return null;
      const val = (i: number) => (node.inputs[i] && a[i] ? a[i]!.v : undefined);
      const sl = sliceAxes(x.dims, val(1)!, val(2)!, val(3), val(4));
      const dims = [...x.dims];
      for (const s of sl) dims[s.axis] = s.count;
      const st = strides(x.dims);
      const ost = strides(dims);
      const n = numelOf(dims);
      const v = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        let src = 0;
        for (let k = 0; k < dims.length; k++) {
          let c = Math.floor(i / ost[k]) % dims[k];
          const s = sl.find((q) => q.axis === k);
          if (s) c = s.start + c * s.step;
          src += c * st[k];
        }
        v[i] = x.v[src];
      }
      res = { dtype: x.dtype, dims, v };
      break;
    }
    case 'Split': {
      if (opset < 13 && node.inputs.length > 1) return null;
      const sizes = splitSizes(node, x.dims, inConsts, opset);
      if (!sizes) return null;
      const axis = normAxis(attrInt(node, 'axis', 0), x.dims.length);
      let off = 0;
      res = sizes.map((s) => {
        const starts = [off];
        off += s;
        const sl = sliceAxes(x.dims, starts, [off], [axis]);
        const dims = [...x.dims];
        dims[axis] = sl[0].count;
        const outer = numelOf(x.dims.slice(0, axis));
        const inner = numelOf(x.dims.slice(axis + 1));
        const v: number[] = [];
        for (let o = 0; o < outer; o++) v.push(...x.v.slice((o * x.dims[axis] + starts[0]) * inner, (o * x.dims[axis] + off) * inner));
        return { dtype: x.dtype, dims, v };
      });
      break;
    }
    case 'Transpose': {
      const perm = attrInts(node, 'perm') ?? [...x.dims.keys()].reverse();
      res = transposeArr(x, perm);
      break;
    }
    case 'Expand': {
      const shape = broadcastShapes(x.dims, a[1]!.v);
      if (numelOf(shape) > FOLD_MAX_ELEMENTS) return null;
      res = elementwise([x, { dtype: x.dtype, dims: shape, v: new Array(numelOf(shape)).fill(0) }], x.dtype, (p) => p);
      break;
    }
    case 'ConstantOfShape': {
      const shape = a[0] ? a[0].v : [];
      if (numelOf(shape) > FOLD_MAX_ELEMENTS) return null;
      const t = getAttr(node, 'value')?.t;
      const dtype = t?.dataType ?? DataType.FLOAT;
      if (!FOLDABLE_TYPES.has(dtype)) return null;
      const fill = t ? tensorValues(t)[0] : 0;
      res = { dtype, dims: shape, v: new Array(numelOf(shape)).fill(fill) };
      break;
    }
    case 'Range': {
      const [s, l, d] = [a[0]!.v[0], a[1]!.v[0], a[2]!.v[0]];
      const n = Math.max(0, Math.ceil((l - s) / d));
      if (n > FOLD_MAX_ELEMENTS || !isInt(x.dtype)) return null;
      res = { dtype: x.dtype, dims: [n], v: Array.from({ length: n }, (_, i) => s + i * d) };
      break;
    }
    case 'ReduceProd':
    case 'ReduceSum':
    case 'ReduceMin':
    case 'ReduceMax': {
      if (!isInt(x.dtype)) return null;
      const axes = reduceAxes(node, inConsts, opset, x.dims.length);
      if (!axes) return null;
      const keep = attrInt(node, 'keepdims', 1) === 1;
      const kdims = x.dims.map((d, i) => (axes.includes(i) ? 1 : d));
      const n = numelOf(kdims);
      const init = op === 'ReduceProd' ? 1 : op === 'ReduceSum' ? 0 : op === 'ReduceMin' ? Infinity : -Infinity;
      const v = new Array<number>(n).fill(init);
      const st = strides(x.dims);
      const kst = strides(kdims);
      x.v.forEach((e, i) => {
        let o = 0;
        for (let k = 0; k < x.dims.length; k++) if (!axes.includes(k)) o += (Math.floor(i / st[k]) % x.dims[k]) * kst[k];
        v[o] = op === 'ReduceProd' ? v[o] * e : op === 'ReduceSum' ? v[o] + e : op === 'ReduceMin' ? Math.min(v[o], e) : Math.max(v[o], e);
      });
      res = { dtype: x.dtype, dims: keep ? kdims : x.dims.filter((_, i) => !axes.includes(i)), v };
      break;
    }
    default:
      res = evalElementwise(op, a, node);
  }
  if (res === null) return null;
  const list = Array.isArray(res) ? res : [res];
  if (list.some((r) => numelOf(r.dims) > FOLD_MAX_ELEMENTS)) return null;
  return list.map(out);
}

function evalElementwise(op: string, a: (Arr | undefined)[], node: OnnxNode): Arr | null {
  const x = a[0]!;
  const present = a.filter((p, i) => p && node.inputs[i]) as Arr[];
  const int = isInt(x.dtype);
  const B = DataType.BOOL;
  switch (op) {
    case 'Add':
      return elementwise(present, x.dtype, (p, q) => p + q);
    case 'Sub':
      return elementwise(present, x.dtype, (p, q) => p - q);
    case 'Mul':
      return elementwise(present, x.dtype, (p, q) => p * q);
    case 'Div':
      return elementwise(present, x.dtype, (p, q) => (int ? Math.trunc(p / q) : p / q));
    case 'Mod':
      if (!int) return null;
      return elementwise(present, x.dtype, (p, q) => (attrInt(node, 'fmod', 0) ? p % q : ((p % q) + q) % q));
    case 'Neg':
      return elementwise([x], x.dtype, (p) => -p);
    case 'Abs':
      return elementwise([x], x.dtype, Math.abs);
    case 'Floor':
      return elementwise([x], x.dtype, Math.floor);
    case 'Ceil':
      return elementwise([x], x.dtype, Math.ceil);
    case 'Sqrt':
      return int ? null : elementwise([x], x.dtype, Math.sqrt);
    case 'Min':
      return elementwise(present, x.dtype, Math.min);
    case 'Max':
      return elementwise(present, x.dtype, Math.max);
    case 'Equal':
      return elementwise(present, B, (p, q) => (p === q ? 1 : 0));
    case 'Less':
      return elementwise(present, B, (p, q) => (p < q ? 1 : 0));
    case 'Greater':
      return elementwise(present, B, (p, q) => (p > q ? 1 : 0));
    case 'LessOrEqual':
      return elementwise(present, B, (p, q) => (p <= q ? 1 : 0));
    case 'GreaterOrEqual':
      return elementwise(present, B, (p, q) => (p >= q ? 1 : 0));
    case 'Not':
      return elementwise([x], B, (p) => (p ? 0 : 1));
    case 'And':
      return elementwise(present, B, (p, q) => (p && q ? 1 : 0));
    case 'Or':
      return elementwise(present, B, (p, q) => (p || q ? 1 : 0));
    case 'Where':
      return elementwise(present, a[1]!.dtype, (c, p, q) => (c ? p : q));
    default:
      return null;
  }
}

function constantValue(node: OnnxNode): OnnxTensor | null {
  for (const at of node.attributes) {
    switch (at.name) {
      case 'value':
        return { ...at.t!, name: '' };
      case 'value_float':
        return makeTensor('', DataType.FLOAT, [], [at.f ?? 0]);
      case 'value_floats':
        return makeTensor('', DataType.FLOAT, [at.floats!.length], at.floats!);
      case 'value_int':
        return makeTensor('', DataType.INT64, [], [at.i ?? 0]);
      case 'value_ints':
        return makeTensor('', DataType.INT64, [at.ints!.length], at.ints!);
      default:
    }
  }
  return null;
}
