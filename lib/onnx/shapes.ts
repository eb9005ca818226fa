/**
 * Static shape (and element type) inference for the ONNX ops the compiler meets, at one
 * fixed input size. Re-run for every size (compiled models are cached per (H, W)).
 *
 * `inferNodeShapes` returns one entry per node output; an entry is undefined when the shape
 * cannot be known statically (for example a Reshape whose target did not fold to a constant).
 * Consumers that need a shape (VJP rules) raise a ShapeInferenceError naming the node.
 */
import { attrFloat, attrInt, attrInts, attrString, getAttr, numelOf, tensorValues } from './attrs';
import { ShapeInferenceError } from './errors';
import { DataType, type DataTypeCode, type OnnxNode, type OnnxTensor } from './proto';

export interface ValueMeta {
  shape: number[];
  dtype: DataTypeCode;
}

type M = ValueMeta | undefined;
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
    throw new RangeError(`cannot reshape [${inShape}] to [${target}]`);
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
  const strides = attrInts(node, 'strides') ?? new Array(n).fill(1);
  const dilations = attrInts(node, 'dilations') ?? new Array(n).fill(1);
  const pads = attrInts(node, 'pads') ?? new Array(2 * n).fill(0);
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
  const [lhs, rhs] = eq.split('->');
  const inputs = lhs.split(',');
  let output = rhs;
  if (output === undefined) {
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

const UNARY_SAME = new Set([
  'Identity', 'Relu', 'Sigmoid', 'Tanh', 'Neg', 'Exp', 'Log', 'Abs', 'Sqrt', 'Reciprocal', 'Erf', 'Sin', 'Cos', 'Tan',
  'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Softplus', 'Softsign', 'LeakyRelu', 'Elu',
  'Selu', 'Celu', 'HardSigmoid', 'HardSwish', 'Mish', 'Gelu', 'Floor', 'Ceil', 'Round', 'Sign', 'Clip', 'Softmax',
  'LogSoftmax', 'Hardmax', 'InstanceNormalization', 'GroupNormalization', 'LpNormalization',
  'MeanVarianceNormalization', 'ThresholdedRelu', 'Trilu', 'CumSum', 'Shrink', 'Not', 'BitwiseNot',
]);
const BINARY_SAME = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Mod', 'PRelu', 'BitShift']);
const BINARY_BOOL = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor']);

/** Shapes and element types of a node's outputs, given its inputs' metadata and constants. */
export function inferNodeShapes(node: OnnxNode, inMeta: M[], inConsts: C[], opset: number): M[] {
  try {
    return inferInner(node, inMeta, inConsts, opset);
  } catch (e) {
    if (e instanceof ShapeInferenceError) throw e;
    throw new ShapeInferenceError(node.name, node.opType, e instanceof Error ? e.message : String(e));
  }
}

function inferInner(node: OnnxNode, inMeta: M[], inConsts: C[], opset: number): M[] {
  const op = node.opType;
  if (node.domain && node.domain !== 'ai.onnx') return [];
  const x = inMeta[0];
  const same = (m: M): M => (m ? { shape: [...m.shape], dtype: m.dtype } : undefined);
  if (UNARY_SAME.has(op)) return [same(x)];
  if (op === 'IsNaN' || op === 'IsInf') return [x && { shape: [...x.shape], dtype: DataType.BOOL }];
  if (op === 'Dropout') return [same(x), x && { shape: [...x.shape], dtype: DataType.BOOL }];
  if (BINARY_SAME.has(op) || BINARY_BOOL.has(op)) {
    const present = inMeta.filter((_, i) => node.inputs[i]);
    if (present.some((m) => !m)) return [];
    const shape = broadcastShapes(...present.map((m) => m!.shape));
    return [{ shape, dtype: BINARY_BOOL.has(op) ? DataType.BOOL : x!.dtype }];
  }
  switch (op) {
    case 'Where': {
      if (inMeta.some((m) => !m)) return [];
      return [{ shape: broadcastShapes(...inMeta.map((m) => m!.shape)), dtype: inMeta[1]!.dtype }];
    }
    case 'Cast':
      return [x && { shape: [...x.shape], dtype: attrInt(node, 'to', DataType.FLOAT) }];
    case 'CastLike':
      return [x && inMeta[1] && { shape: [...x.shape], dtype: inMeta[1].dtype }];
    case 'Shape': {
      if (!x) return [];
      const r = x.shape.length;
      const start = clampAxis(attrInt(node, 'start', 0), r);
      const end = clampAxis(attrInt(node, 'end', r), r);
      return [{ shape: [Math.max(0, end - start)], dtype: DataType.INT64 }];
    }
    case 'Size':
      return [{ shape: [], dtype: DataType.INT64 }];
    case 'Constant':
      return [];
    case 'ConstantOfShape': {
      const c = inConsts[0];
      const v = getAttr(node, 'value')?.t;
      return [c && { shape: tensorValues(c), dtype: v?.dataType ?? DataType.FLOAT }];
    }
    case 'Range': {
      if (!inConsts[0] || !inConsts[1] || !inConsts[2]) return [];
      const [s, l, d] = [inConsts[0], inConsts[1], inConsts[2]].map((t) => tensorValues(t!)[0]);
      return [{ shape: [Math.max(0, Math.ceil((l - s) / d))], dtype: inMeta[0]!.dtype }];
    }
    case 'Reshape': {
      if (!x || !inConsts[1]) return [];
      return [{ shape: resolveReshape(x.shape, tensorValues(inConsts[1]), attrInt(node, 'allowzero', 0) === 1), dtype: x.dtype }];
    }
    case 'Flatten': {
      if (!x) return [];
      const r = x.shape.length;
      let axis = attrInt(node, 'axis', 1);
      if (axis < 0) axis += r;
      return [{ shape: [numelOf(x.shape.slice(0, axis)), numelOf(x.shape.slice(axis))], dtype: x.dtype }];
    }
    case 'Squeeze': {
      if (!x) return [];
      const axes = squeezeAxes(node, inConsts, opset);
      if (axes === undefined) return [];
      const r = x.shape.length;
      const drop = axes === null ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : axes.map((a) => normAxis(a, r));
      return [{ shape: x.shape.filter((_, i) => !drop.includes(i)), dtype: x.dtype }];
    }
    case 'Unsqueeze': {
      if (!x) return [];
      const axes = squeezeAxes(node, inConsts, opset);
      if (!axes) return [];
      return [{ shape: unsqueezeShape(x.shape, axes), dtype: x.dtype }];
    }
    case 'Transpose': {
      if (!x) return [];
      const perm = attrInts(node, 'perm') ?? [...x.shape.keys()].reverse();
      return [{ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }];
    }
    case 'Concat': {
      if (inMeta.some((m, i) => node.inputs[i] && !m)) return [];
      const ms = inMeta.filter((_, i) => node.inputs[i]) as ValueMeta[];
      const axis = normAxis(attrInt(node, 'axis', 0), ms[0].shape.length);
      const shape = [...ms[0].shape];
      shape[axis] = ms.reduce((s, m) => s + m.shape[axis], 0);
      return [{ shape, dtype: ms[0].dtype }];
    }
    case 'Split': {
      if (!x) return [];
      const sizes = splitSizes(node, x.shape, inConsts, opset);
      if (!sizes) return [];
      const axis = normAxis(attrInt(node, 'axis', 0), x.shape.length);
      return sizes.map((s) => {
        const shape = [...x.shape];
        shape[axis] = s;
        return { shape, dtype: x.dtype };
      });
    }
    case 'Slice': {
      if (!x) return [];
      if (opset < 10) {
        const axes = attrInts(node, 'axes');
        const sl = sliceAxes(x.shape, attrInts(node, 'starts')!, attrInts(node, 'ends')!, axes);
        const shape = [...x.shape];
        for (const s of sl) shape[s.axis] = s.count;
        return [{ shape, dtype: x.dtype }];
      }
      for (let i = 1; i < node.inputs.length; i++) if (node.inputs[i] && !inConsts[i]) return [];
      const v = (i: number) => (node.inputs[i] && inConsts[i] ? tensorValues(inConsts[i]!) : undefined);
      const sl = sliceAxes(x.shape, v(1)!, v(2)!, v(3), v(4));
      const shape = [...x.shape];
      for (const s of sl) shape[s.axis] = s.count;
      return [{ shape, dtype: x.dtype }];
    }
    case 'Gather': {
      const idx = inMeta[1];
      if (!x || !idx) return [];
      const axis = normAxis(attrInt(node, 'axis', 0), x.shape.length);
      return [{ shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)], dtype: x.dtype }];
    }
    case 'GatherElements':
      return [x && inMeta[1] && { shape: [...inMeta[1].shape], dtype: x.dtype }];
    case 'ScatterND':
    case 'ScatterElements':
      return [same(x)];
    case 'Expand': {
      if (!x || !inConsts[1]) return [];
      return [{ shape: broadcastShapes(x.shape, tensorValues(inConsts[1])), dtype: x.dtype }];
    }
    case 'Tile': {
      if (!x || !inConsts[1]) return [];
      const rep = tensorValues(inConsts[1]);
      return [{ shape: x.shape.map((d, i) => d * rep[i]), dtype: x.dtype }];
    }
    case 'Pad': {
      if (!x) return [];
      const p = padAmounts(node, x.shape.length, inConsts, opset);
      if (!p) return [];
      return [{ shape: x.shape.map((d, i) => d + p.begin[i] + p.end[i]), dtype: x.dtype }];
    }
    case 'Resize':
    case 'Upsample': {
      if (!x) return [];
      const s = resizeOutShape(node, x.shape, inConsts, op === 'Upsample' ? 9 : opset);
      return [s && { shape: s, dtype: x.dtype }];
    }
    case 'DepthToSpace':
    case 'SpaceToDepth': {
      if (!x) return [];
      const b = attrInt(node, 'blocksize', 1);
      const [n, c, h, w] = x.shape;
      return [
        op === 'DepthToSpace'
          ? { shape: [n, c / (b * b), h * b, w * b], dtype: x.dtype }
          : { shape: [n, c * b * b, h / b, w / b], dtype: x.dtype },
      ];
    }
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax':
    case 'ReduceMin':
    case 'ReduceProd':
    case 'ReduceL1':
    case 'ReduceL2':
    case 'ReduceLogSum':
    case 'ReduceLogSumExp':
    case 'ReduceSumSquare': {
      if (!x) return [];
      const axes = reduceAxes(node, inConsts, opset, x.shape.length);
      if (!axes) return [];
      const keep = attrInt(node, 'keepdims', 1) === 1;
      const shape = keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
      return [{ shape, dtype: x.dtype }];
    }
    case 'ArgMax':
    case 'ArgMin': {
      if (!x) return [];
      const axis = normAxis(attrInt(node, 'axis', 0), x.shape.length);
      const keep = attrInt(node, 'keepdims', 1) === 1;
      const shape = keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
      return [{ shape, dtype: DataType.INT64 }];
    }
    case 'TopK': {
      if (!x || !inConsts[1]) return [];
      const axis = normAxis(attrInt(node, 'axis', -1), x.shape.length);
      const shape = [...x.shape];
      shape[axis] = tensorValues(inConsts[1])[0];
      return [{ shape, dtype: x.dtype }, { shape: [...shape], dtype: DataType.INT64 }];
    }
    case 'Gemm': {
      const b = inMeta[1];
      if (!x || !b) return [];
      const m = attrInt(node, 'transA', 0) ? x.shape[1] : x.shape[0];
      const n = attrInt(node, 'transB', 0) ? b.shape[0] : b.shape[1];
      return [{ shape: [m, n], dtype: x.dtype }];
    }
    case 'MatMul': {
      const b = inMeta[1];
      if (!x || !b) return [];
      return [{ shape: matmulShape(x.shape, b.shape), dtype: x.dtype }];
    }
    case 'Einsum': {
      if (inMeta.some((m) => !m)) return [];
      const spec = parseEinsum(attrString(node, 'equation', ''));
      const sizes = einsumSizes(spec, inMeta.map((m) => m!.shape));
      return [{ shape: [...spec.output].map((ch) => sizes.get(ch)!), dtype: x!.dtype }];
    }
    case 'Conv': {
      const w = inMeta[1];
      if (!x || !w) return [];
      const g = convGeometry(node, x.shape.slice(2), attrInts(node, 'kernel_shape') ?? w.shape.slice(2));
      return [{ shape: [x.shape[0], w.shape[0], ...g.outSpatial], dtype: x.dtype }];
    }
    case 'ConvTranspose': {
      const w = inMeta[1];
      if (!x || !w) return [];
      const n = x.shape.length - 2;
      const k = attrInts(node, 'kernel_shape') ?? w.shape.slice(2);
      const s = attrInts(node, 'strides') ?? new Array(n).fill(1);
      const d = attrInts(node, 'dilations') ?? new Array(n).fill(1);
      const p = attrInts(node, 'pads') ?? new Array(2 * n).fill(0);
      const op2 = attrInts(node, 'output_padding') ?? new Array(n).fill(0);
      const explicit = attrInts(node, 'output_shape');
      const group = attrInt(node, 'group', 1);
      const spatial = explicit
        ? explicit.slice(-n)
        : x.shape.slice(2).map((i, a) => s[a] * (i - 1) + op2[a] + (k[a] - 1) * d[a] + 1 - p[a] - p[a + n]);
      return [{ shape: [x.shape[0], w.shape[1] * group, ...spatial], dtype: x.dtype }];
    }
    case 'AveragePool':
    case 'MaxPool':
    case 'LpPool': {
      if (!x) return [];
      const g = convGeometry(node, x.shape.slice(2), attrInts(node, 'kernel_shape')!, attrInt(node, 'ceil_mode', 0) === 1);
      const shape = [x.shape[0], x.shape[1], ...g.outSpatial];
      return [{ shape, dtype: x.dtype }, { shape: [...shape], dtype: DataType.INT64 }];
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return [x && { shape: x.shape.map((d, i) => (i < 2 ? d : 1)), dtype: x.dtype }];
    case 'BatchNormalization': {
      const c = x ? [x.shape[1]] : [];
      return [same(x), ...[1, 2, 3, 4].map(() => x && { shape: c, dtype: x.dtype })];
    }
    case 'LayerNormalization': {
      if (!x) return [];
      const r = x.shape.length;
      const axis = normAxis(attrInt(node, 'axis', -1), r);
      const red = x.shape.map((d, i) => (i < axis ? d : 1));
      const stash = attrInt(node, 'stash_type', 1);
      return [same(x), { shape: red, dtype: stash }, { shape: [...red], dtype: stash }];
    }
    case 'OneHot': {
      const idx = inMeta[0];
      if (!idx || !inConsts[1] || !inMeta[2]) return [];
      const depth = tensorValues(inConsts[1])[0];
      const r = idx.shape.length + 1;
      const axis = normAxis(attrInt(node, 'axis', -1), r);
      const shape = [...idx.shape];
      shape.splice(axis, 0, depth);
      return [{ shape, dtype: inMeta[2].dtype }];
    }
    default:
      return [];
  }
}

function clampAxis(a: number, r: number): number {
  const v = a < 0 ? a + r : a;
  return Math.min(Math.max(v, 0), r);
}

export function matmulShape(a: readonly number[], b: readonly number[]): number[] {
  const a2 = a.length === 1 ? [1, a[0]] : [...a];
  const b2 = b.length === 1 ? [b[0], 1] : [...b];
  if (a2[a2.length - 1] !== b2[b2.length - 2]) throw new RangeError(`MatMul shapes [${a}] x [${b}] do not match`);
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
    [...term].forEach((ch, k) => {
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
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begin[a] = pads![i];
    end[a] = pads![i + axes.length];
  });
  return { begin, end, value };
}
