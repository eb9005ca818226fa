/**
 * Shape arithmetic of ONNX ops (broadcasting, Reshape targets, Slice ranges, Conv/pool
 * geometry, reduction and squeeze axes, einsum sizes, ...), shared by shape inference
 * (`shape-inference.ts`), constant folding (`fold.ts`) and the VJP rules (`grad/`).
 */
import { attrFloat, attrInt, attrInts, attrString, numelOf, tensorValues } from './attrs';
import type { DataTypeCode, OnnxNode, OnnxTensor } from './proto';

export interface ValueMeta {
  shape: number[];
  dtype: DataTypeCode;
}

type C = OnnxTensor | undefined;

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Numpy-style broadcast of several shapes. */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else if (out[o] !== d) throw new RangeError(`shapes [${shapes.map((x) => x.join(',')).join('] [')}] do not broadcast`);
    }
  }
  return out;
}

/** Resolves a Reshape target (0 = copy, -1 = infer) against the input shape. */
export function resolveReshape(inShape: readonly number[], target: readonly number[], allowZero = false): number[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? inShape[i] : d));
  const neg = out.indexOf(-1);
  if (neg >= 0) {
    const known = out.reduce((p, d, i) => (i === neg ? p : p * d), 1);
    out[neg] = known === 0 ? 0 : numelOf(inShape) / known;
  }
  if (numelOf(out) !== numelOf(inShape) || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new RangeError(`cannot reshape [${inShape.join(',')}] to [${target.join(',')}]`);
  }
  return out;
}

export interface SliceAxis {
  axis: number;
  start: number;
  end: number;
  step: number;
  count: number;
}

/** ONNX Slice semantics: clamped, normalized per-axis ranges. */
export function sliceAxes(
  inShape: readonly number[],
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
): SliceAxis[] {
  const rank = inShape.length;
  const ax = axes ?? starts.map((_, i) => i);
  return ax.map((a0, i) => {
    const axis = normAxis(a0, rank);
    const dim = inShape[axis];
    const step = steps?.[i] ?? 1;
    if (step === 0) throw new RangeError('Slice step 0');
    let start = starts[i];
    let end = ends[i];
    if (start < 0) start += dim;
    if (end < 0) end += dim;
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    const count = Math.max(0, Math.ceil((end - start) / step));
    return { axis, start, end, step, count };
  });
}

export interface ConvGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** begin pads then end pads, one per spatial axis (auto_pad resolved). */
  padsBegin: number[];
  padsEnd: number[];
  outSpatial: number[];
}

/** Conv/pool geometry with auto_pad resolved (floor mode unless `ceilMode`). */
export function convGeometry(node: OnnxNode, inSpatial: readonly number[], kernel: readonly number[], ceilMode = false): ConvGeometry {
  const n = inSpatial.length;
  const strides = attrInts(node, 'strides') ?? new Array<number>(n).fill(1);
  const dilations = attrInts(node, 'dilations') ?? new Array<number>(n).fill(1);
  const pads = attrInts(node, 'pads') ?? new Array<number>(2 * n).fill(0);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const padsBegin: number[] = [];
  const padsEnd: number[] = [];
  const outSpatial: number[] = [];
  for (let i = 0; i < n; i++) {
    const effK = (kernel[i] - 1) * dilations[i] + 1;
    let pb = pads[i];
    let pe = pads[i + n];
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const out = Math.ceil(inSpatial[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + effK - inSpatial[i]);
      pb = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
      pe = total - pb;
    } else if (autoPad === 'VALID') {
      pb = 0;
      pe = 0;
    }
    padsBegin.push(pb);
    padsEnd.push(pe);
    const span = inSpatial[i] + pb + pe - effK;
    outSpatial.push((ceilMode ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1);
  }
  return { kernel: [...kernel], strides, dilations, padsBegin, padsEnd, outSpatial };
}

/** Parsed two-or-more operand einsum without ellipsis: one letter string per term. */
export interface EinsumSpec {
  inputs: string[];
  output: string;
}

export function parseEinsum(equation: string): EinsumSpec {
  const eq = equation.replace(/\s+/g, '');
  if (eq.includes('.')) throw new RangeError(`einsum '${equation}': ellipsis is not supported`);
  const arrow = eq.indexOf('->');
  const inputs = (arrow < 0 ? eq : eq.slice(0, arrow)).split(',');
  let output = arrow < 0 ? undefined : eq.slice(arrow + 2);
  if (output === undefined) {
    // Implicit output: the letters that occur once, in alphabetical order.
    const counts = new Map<string, number>();
    for (const t of inputs) for (const ch of t) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    output = [...counts.entries()]
      .filter(([, c]) => c === 1)
      .map(([ch]) => ch)
      .sort()
      .join('');
  }
  return { inputs, output };
}

function axesFrom(node: OnnxNode, inConsts: C[], inputIndex: number, attrSince: boolean): number[] | undefined | null {
  // null: axes not given; undefined: given as a non-constant input (unknown)
  if (attrSince) {
    const a = attrInts(node, 'axes');
    return a ?? null;
  }
  const name = node.inputs[inputIndex];
  if (!name) return null;
  const c = inConsts[inputIndex];
  return c ? tensorValues(c) : undefined;
}

/** Reduction axes of a Reduce* node (normalized); null means "all axes" (or none with noop_with_empty_axes). */
export function reduceAxes(node: OnnxNode, inConsts: C[], opset: number, rank: number): number[] | undefined {
  const axesAsInput = node.opType === 'ReduceSum' ? opset >= 13 : opset >= 18;
  const axes = axesFrom(node, inConsts, 1, !axesAsInput);
  if (axes === undefined) return undefined;
  if (axes === null || axes.length === 0) {
    if (attrInt(node, 'noop_with_empty_axes', 0)) return [];
    return [...Array(rank).keys()];
  }
  return [...new Set(axes.map((a) => normAxis(a, rank)))].sort((a, b) => a - b);
}

/** Axes of Squeeze/Unsqueeze (attribute before opset 13, input from 13). */
export function squeezeAxes(node: OnnxNode, inConsts: C[], opset: number): number[] | null | undefined {
  return axesFrom(node, inConsts, 1, opset < 13);
}

export function unsqueezeShape(inShape: readonly number[], axes: readonly number[]): number[] {
  const rank = inShape.length + axes.length;
  const norm = axes.map((a) => normAxis(a, rank)).sort((a, b) => a - b);
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : inShape[k++]);
  return out;
}

/** Output sizes of a Split node (undefined when the split sizes are not constant). */
export function splitSizes(node: OnnxNode, inShape: readonly number[], inConsts: C[], opset: number): number[] | undefined {
  const axis = normAxis(attrInt(node, 'axis', 0), inShape.length);
  const dim = inShape[axis];
  let split: number[] | undefined;
  if (opset >= 13) {
    if (node.inputs[1]) {
      const c = inConsts[1];
      if (!c) return undefined;
      split = tensorValues(c);
    }
  } else split = attrInts(node, 'split');
  if (split) return split;
  const n = attrInt(node, 'num_outputs') ?? node.outputs.length;
  const chunk = Math.ceil(dim / n);
  return Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
}

/** Resize output shape from its scales or sizes input (constants). */
export function resizeOutShape(node: OnnxNode, inShape: readonly number[], inConsts: C[], opset: number): number[] | undefined {
  const rank = inShape.length;
  const axes = (attrInts(node, 'axes') ?? [...Array(rank).keys()]).map((a) => normAxis(a, rank));
  const out = [...inShape];
  if (opset < 11) {
    const sc = inConsts[1];
    if (!sc) return undefined;
    tensorValues(sc).forEach((s, i) => (out[i] = Math.floor(inShape[i] * s)));
    return out;
  }
  const sizes = node.inputs[3] ? inConsts[3] : undefined;
  const scales = node.inputs[2] ? inConsts[2] : undefined;
  if (sizes && numelOf(sizes.dims) > 0) {
    const v = tensorValues(sizes);
    const policy = attrString(node, 'keep_aspect_ratio_policy', 'stretch');
    if (policy !== 'stretch') return undefined;
    axes.forEach((a, i) => (out[a] = v[i]));
    return out;
  }
  if (scales && numelOf(scales.dims) > 0) {
    const v = tensorValues(scales);
    axes.forEach((a, i) => (out[a] = Math.floor(inShape[a] * v[i])));
    return out;
  }
  return undefined;
}

export function matmulShape(a: readonly number[], b: readonly number[]): number[] {
  const a2 = a.length === 1 ? [1, a[0]] : [...a];
  const b2 = b.length === 1 ? [b[0], 1] : [...b];
  if (a2[a2.length - 1] !== b2[b2.length - 2]) throw new RangeError(`MatMul shapes [${a.join(',')}] x [${b.join(',')}] do not match`);
  const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
  const out = [...batch, a2[a2.length - 2], b2[b2.length - 1]];
  if (a.length === 1) out.splice(out.length - 2, 1);
  if (b.length === 1) out.splice(out.length - 1, 1);
  return out;
}

export function einsumSizes(spec: EinsumSpec, shapes: (readonly number[])[]): Map<string, number> {
  const sizes = new Map<string, number>();
  spec.inputs.forEach((term, i) => {
    if (term.length !== shapes[i].length) throw new RangeError(`einsum term '${term}' does not match rank ${shapes[i].length}`);
    term.split('').forEach((ch, k) => {
      const d = shapes[i][k];
      const prev = sizes.get(ch);
      if (prev === undefined || prev === 1) sizes.set(ch, d);
      else if (d !== 1 && d !== prev) throw new RangeError(`einsum index '${ch}' has sizes ${prev} and ${d}`);
    });
  });
  return sizes;
}

/** Pad amounts per axis (begin/end), from the attribute (opset < 11) or the constant inputs. */
export function padAmounts(
  node: OnnxNode,
  rank: number,
  inConsts: C[],
  opset: number,
): { begin: number[]; end: number[]; value: number } | undefined {
  let pads: number[] | undefined;
  let value = 0;
  let axes = [...Array(rank).keys()];
  if (opset < 11) {
    pads = attrInts(node, 'pads');
    value = attrFloat(node, 'value', 0);
  } else {
    if (!inConsts[1]) return undefined;
    pads = tensorValues(inConsts[1]);
    if (node.inputs[2]) {
      if (!inConsts[2]) return undefined;
      value = tensorValues(inConsts[2])[0] ?? 0;
    }
    if (node.inputs[3]) {
      if (!inConsts[3]) return undefined;
      axes = tensorValues(inConsts[3]).map((a) => normAxis(a, rank));
    }
  }
  if (!pads) return undefined;
  const amounts = pads;
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begin[a] = amounts[i];
    end[a] = amounts[i + axes.length];
  });
  return { begin, end, value };
}
