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
  type SliceAxis,
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

/** Folds one node from its inputs' values (`a[i]`, undefined for absent inputs); null: not folded. */
type FoldRule = (node: OnnxNode, a: (Arr | undefined)[], inConsts: (OnnxTensor | undefined)[], opset: number) => Arr | Arr[] | null;

/** The values of the inputs that are present (optional inputs left out). */
const presentOf = (node: OnnxNode, a: (Arr | undefined)[]): Arr[] => a.filter((p, i) => p && node.inputs[i]) as Arr[];

/** Input i, which the op requires (a model without it is malformed). */
function required(a: (Arr | undefined)[], i: number): Arr {
  const x = a[i];
  if (!x) throw new RangeError(`constant folding: required input ${i} is missing`);
  return x;
}

/** Input 0 (rules run only for nodes with inputs, but ConstantOfShape, which does not read it). */
const first = (a: (Arr | undefined)[]): Arr => required(a, 0);

function concatArr(node: OnnxNode, a: (Arr | undefined)[]): Arr {
  const parts = presentOf(node, a);
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
  return { dtype: parts[0].dtype, dims, v };
}

function gatherArr(node: OnnxNode, x: Arr, idx: Arr): Arr | null {
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
  return { dtype: x.dtype, dims: [...x.dims.slice(0, axis), ...idx.dims, ...x.dims.slice(axis + 1)], v };
}

function sliceArr(x: Arr, sl: SliceAxis[]): Arr {
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
  return { dtype: x.dtype, dims, v };
}

function splitArr(node: OnnxNode, x: Arr, inConsts: (OnnxTensor | undefined)[], opset: number): Arr[] | null {
  if (opset < 13 && node.inputs.length > 1) return null;
  const sizes = splitSizes(node, x.dims, inConsts, opset);
  if (!sizes) return null;
  const axis = normAxis(attrInt(node, 'axis', 0), x.dims.length);
  const outer = numelOf(x.dims.slice(0, axis));
  const inner = numelOf(x.dims.slice(axis + 1));
  let off = 0;
  return sizes.map((s) => {
    const start = off;
    off += s;
    const dims = [...x.dims];
    dims[axis] = sliceAxes(x.dims, [start], [off], [axis])[0].count;
    const v: number[] = [];
    for (let o = 0; o < outer; o++) v.push(...x.v.slice((o * x.dims[axis] + start) * inner, (o * x.dims[axis] + off) * inner));
    return { dtype: x.dtype, dims, v };
  });
}

const REDUCERS: Record<string, { init: number; f: (acc: number, e: number) => number }> = {
  ReduceProd: { init: 1, f: (acc, e) => acc * e },
  ReduceSum: { init: 0, f: (acc, e) => acc + e },
  ReduceMin: { init: Infinity, f: Math.min },
  ReduceMax: { init: -Infinity, f: Math.max },
};

/** Integer reductions (shape arithmetic such as ReduceProd of a shape). */
const reduceArr: FoldRule = (node, a, inConsts, opset) => {
  const x = first(a);
  if (!isInt(x.dtype)) return null;
  const axes = reduceAxes(node, inConsts, opset, x.dims.length);
  if (!axes) return null;
  const { init, f } = REDUCERS[node.opType];
  const keep = attrInt(node, 'keepdims', 1) === 1;
  const kdims = x.dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const v = new Array<number>(numelOf(kdims)).fill(init);
  const st = strides(x.dims);
  const kst = strides(kdims);
  x.v.forEach((e, i) => {
    let o = 0;
    for (let k = 0; k < x.dims.length; k++) if (!axes.includes(k)) o += (Math.floor(i / st[k]) % x.dims[k]) * kst[k];
    v[o] = f(v[o], e);
  });
  return { dtype: x.dtype, dims: keep ? kdims : x.dims.filter((_, i) => !axes.includes(i)), v };
};

const dataMovement: Record<string, FoldRule> = {
  Identity: (_, a) => first(a),
  Cast: (node, a) => {
    const x = first(a);
    const to = attrInt(node, 'to', DataType.FLOAT);
    if (!FOLDABLE_TYPES.has(to)) return null;
    const v = isInt(to) && !isInt(x.dtype) ? x.v.map(Math.trunc) : x.v;
    return { dtype: to, dims: x.dims, v: to === DataType.BOOL ? v.map((e) => (e ? 1 : 0)) : v };
  },
  Reshape: (node, a) => ({ ...first(a), dims: resolveReshape(first(a).dims, required(a, 1).v, attrInt(node, 'allowzero', 0) === 1) }),
  Flatten: (node, a) => {
    const x = first(a);
    let axis = attrInt(node, 'axis', 1);
    if (axis < 0) axis += x.dims.length;
    return { ...x, dims: [numelOf(x.dims.slice(0, axis)), numelOf(x.dims.slice(axis))] };
  },
  Unsqueeze: (node, a, inConsts, opset) => {
    const axes = squeezeAxes(node, inConsts, opset);
    return axes ? { ...first(a), dims: unsqueezeShape(first(a).dims, axes) } : null;
  },
  Squeeze: (node, a, inConsts, opset) => {
    const x = first(a);
    const axes = squeezeAxes(node, inConsts, opset);
    if (axes === undefined) return null;
    const drop = axes === null ? x.dims.map((d, i) => (d === 1 ? i : -1)) : axes.map((ax) => normAxis(ax, x.dims.length));
    return { ...x, dims: x.dims.filter((_, i) => !drop.includes(i)) };
  },
  Concat: concatArr,
  Gather: (node, a) => gatherArr(node, first(a), required(a, 1)),
  Slice: (node, a, _, opset) => {
    if (opset < 10) return null;
    const val = (i: number) => (node.inputs[i] ? a[i]?.v : undefined);
    return sliceArr(first(a), sliceAxes(first(a).dims, required(a, 1).v, required(a, 2).v, val(3), val(4)));
  },
  Split: (node, a, inConsts, opset) => splitArr(node, first(a), inConsts, opset),
  Transpose: (node, a) => transposeArr(first(a), attrInts(node, 'perm') ?? [...first(a).dims.keys()].reverse()),
  Expand: (_, a) => {
    const x = first(a);
    const shape = broadcastShapes(x.dims, required(a, 1).v);
    if (numelOf(shape) > FOLD_MAX_ELEMENTS) return null;
    return elementwise([x, { dtype: x.dtype, dims: shape, v: new Array<number>(numelOf(shape)).fill(0) }], x.dtype, (p) => p);
  },
};

const generators: Record<string, FoldRule> = {
  ConstantOfShape: (node, a) => {
    const shape = a[0] ? a[0].v : [];
    if (numelOf(shape) > FOLD_MAX_ELEMENTS) return null;
    const t = getAttr(node, 'value')?.t;
    const dtype = t?.dataType ?? DataType.FLOAT;
    if (!FOLDABLE_TYPES.has(dtype)) return null;
    const fill = t ? tensorValues(t)[0] : 0;
    return { dtype, dims: shape, v: new Array<number>(numelOf(shape)).fill(fill) };
  },
  Range: (_, a) => {
    const [s, l, d] = [0, 1, 2].map((i) => required(a, i).v[0]);
    const n = Math.max(0, Math.ceil((l - s) / d));
    if (n > FOLD_MAX_ELEMENTS || !isInt(first(a).dtype)) return null;
    return { dtype: first(a).dtype, dims: [n], v: Array.from({ length: n }, (_, i) => s + i * d) };
  },
  ...Object.fromEntries(Object.keys(REDUCERS).map((op) => [op, reduceArr])),
};

type Scalar = (...x: number[]) => number;

/** An element-wise op over the present inputs, typed like input 0; `f` null: not folded for that type. */
const numeric =
  (f: (int: boolean, node: OnnxNode) => Scalar | null): FoldRule =>
  (node, a) => {
    const fn = f(isInt(first(a).dtype), node);
    return fn && elementwise(presentOf(node, a), first(a).dtype, fn);
  };

/** A BOOL-valued element-wise op over the present inputs. */
const boolean =
  (f: Scalar): FoldRule =>
  (node, a) =>
    elementwise(presentOf(node, a), DataType.BOOL, f);

const arithmetic: Record<string, FoldRule> = {
  Add: numeric(() => (p, q) => p + q),
  Sub: numeric(() => (p, q) => p - q),
  Mul: numeric(() => (p, q) => p * q),
  Div: numeric((int) => (p, q) => (int ? Math.trunc(p / q) : p / q)),
  Mod: numeric((int, node) => (int ? (p, q) => (attrInt(node, 'fmod', 0) ? p % q : ((p % q) + q) % q) : null)),
  Neg: numeric(() => (p) => -p),
  Abs: numeric(() => Math.abs),
  Floor: numeric(() => Math.floor),
  Ceil: numeric(() => Math.ceil),
  Sqrt: numeric((int) => (int ? null : Math.sqrt)),
  Min: numeric(() => Math.min),
  Max: numeric(() => Math.max),
  Equal: boolean((p, q) => (p === q ? 1 : 0)),
  Less: boolean((p, q) => (p < q ? 1 : 0)),
  Greater: boolean((p, q) => (p > q ? 1 : 0)),
  LessOrEqual: boolean((p, q) => (p <= q ? 1 : 0)),
  GreaterOrEqual: boolean((p, q) => (p >= q ? 1 : 0)),
  Not: boolean((p) => (p ? 0 : 1)),
  And: boolean((p, q) => (p && q ? 1 : 0)),
  Or: boolean((p, q) => (p || q ? 1 : 0)),
  Where: (node, a) => elementwise(presentOf(node, a), required(a, 1).dtype, (c, p, q) => (c ? p : q)),
};

/** Folding rules by op type for nodes whose inputs are all small constants. */
const FOLD_RULES: Record<string, FoldRule> = { ...dataMovement, ...generators, ...arithmetic };

/** Nodes folded from what is known without their inputs' values (attributes, static shapes). */
function evaluateWithoutValues(node: OnnxNode, inMeta: (ValueMeta | undefined)[]): OnnxTensor[] | null | undefined {
  const m = inMeta[0];
  switch (node.opType) {
    case 'Constant': {
      const c = constantValue(node);
      return c ? [c] : null;
    }
    case 'Shape': {
      if (!m) return null;
      const r = m.shape.length;
      const clamp = (a: number) => Math.min(Math.max(a < 0 ? a + r : a, 0), r);
      const s = m.shape.slice(clamp(attrInt(node, 'start', 0)), clamp(attrInt(node, 'end', r)));
      return [makeTensor('', DataType.INT64, [s.length], s)];
    }
    case 'Size':
      return m ? [makeTensor('', DataType.INT64, [], [numelOf(m.shape)])] : null;
    default:
      return undefined;
  }
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
  const known = evaluateWithoutValues(node, inMeta);
  if (known !== undefined) return known;
  // Every present input must be a small constant of a plain numeric type.
  for (let i = 0; i < node.inputs.length; i++) {
    if (!node.inputs[i]) continue;
    const c = inConsts[i];
    if (!c || !FOLDABLE_TYPES.has(c.dataType) || numelOf(c.dims) > FOLD_MAX_ELEMENTS) return null;
  }
  if (node.inputs.filter(Boolean).length === 0 && node.opType !== 'ConstantOfShape') return null;
  const rule = Object.prototype.hasOwnProperty.call(FOLD_RULES, node.opType) ? FOLD_RULES[node.opType] : undefined;
  const res = rule ? rule(node, inConsts.map((c) => (c ? arr(c) : undefined)), inConsts, opset) : null;
  if (res === null) return null;
  const list = Array.isArray(res) ? res : [res];
  if (list.some((r) => numelOf(r.dims) > FOLD_MAX_ELEMENTS)) return null;
  return list.map(out);
}

function constantValue(node: OnnxNode): OnnxTensor | null {
  for (const at of node.attributes) {
    switch (at.name) {
      case 'value':
        if (!at.t) throw new RangeError(`Constant '${node.name}': attribute 'value' holds no tensor`);
        return { ...at.t, name: '' };
      case 'value_float':
        return makeTensor('', DataType.FLOAT, [], [at.f ?? 0]);
      case 'value_floats':
        return makeTensor('', DataType.FLOAT, [at.floats?.length ?? 0], at.floats ?? []);
      case 'value_int':
        return makeTensor('', DataType.INT64, [], [at.i ?? 0]);
      case 'value_ints':
        return makeTensor('', DataType.INT64, [at.ints?.length ?? 0], at.ints ?? []);
      default:
    }
  }
  return null;
}
