/**
 * Static shape (and element type) inference for the ONNX ops the compiler meets, at one
 * fixed input size: one rule per op type (`SHAPE_RULES`), built on the shape arithmetic of
 * `shapes.ts`. Re-run for every size (compiled models are cached per (H, W)).
 *
 * `inferNodeShapes` returns one entry per node output; an entry is undefined when the shape
 * cannot be known statically (for example a Reshape whose target did not fold to a constant).
 * Consumers that need a shape (VJP rules) raise a ShapeInferenceError naming the node.
 */
import { allDefined, attrInt, attrInts, attrString, getAttr, numelOf, requiredAttrInts, tensorValues } from './attrs';
import { ShapeInferenceError } from './errors';
import { DataType, type OnnxNode, type OnnxTensor } from './proto';
import {
  broadcastShapes,
  convGeometry,
  einsumSizes,
  matmulShape,
  normAxis,
  padAmounts,
  parseEinsum,
  reduceAxes,
  resizeOutShape,
  resolveReshape,
  sliceAxes,
  splitSizes,
  squeezeAxes,
  unsqueezeShape,
  type ValueMeta,
} from './shapes';

type M = ValueMeta | undefined;
type C = OnnxTensor | undefined;

/** Output metadata of one node from its inputs' metadata and constants ([] when unknown). */
type ShapeRule = (node: OnnxNode, inMeta: M[], inConsts: C[], opset: number) => M[];

const same = (m: M): M => (m ? { shape: [...m.shape], dtype: m.dtype } : undefined);
const withShape = (m: M, shape: number[]): M => m && { shape, dtype: m.dtype };
const boolLike = (m: M): M => m && { shape: [...m.shape], dtype: DataType.BOOL };

/** Ops whose only output has input 0's shape and type. */
const SAME_AS_INPUT = [
  'Identity', 'Relu', 'Sigmoid', 'Tanh', 'Neg', 'Exp', 'Log', 'Abs', 'Sqrt', 'Reciprocal', 'Erf', 'Sin', 'Cos', 'Tan',
  'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Softplus', 'Softsign', 'LeakyRelu', 'Elu',
  'Selu', 'Celu', 'HardSigmoid', 'HardSwish', 'Mish', 'Gelu', 'Floor', 'Ceil', 'Round', 'Sign', 'Clip', 'Softmax',
  'LogSoftmax', 'Hardmax', 'InstanceNormalization', 'GroupNormalization', 'LpNormalization',
  'MeanVarianceNormalization', 'ThresholdedRelu', 'Trilu', 'CumSum', 'Shrink', 'Not', 'BitwiseNot',
  'ScatterND', 'ScatterElements',
];
const BINARY_SAME = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Mod', 'PRelu', 'BitShift'];
const BINARY_BOOL = ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'And', 'Or', 'Xor'];
const REDUCE = ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'];

/** Broadcast of every present input; `bool` gives a BOOL result, else input 0's type. */
function broadcastRule(bool: boolean): ShapeRule {
  return (node, inMeta) => {
    const present = inMeta.filter((_, i) => node.inputs[i]);
    if (!allDefined(present)) return [];
    const shape = broadcastShapes(...present.map((m) => m.shape));
    return [{ shape, dtype: bool ? DataType.BOOL : present[0].dtype }];
  };
}

function clampAxis(a: number, r: number): number {
  const v = a < 0 ? a + r : a;
  return Math.min(Math.max(v, 0), r);
}

/** The input shape with the sliced axes' lengths replaced. */
function slicedShape(shape: readonly number[], starts: number[], ends: number[], axes?: number[], steps?: number[]): number[] {
  const out = [...shape];
  for (const s of sliceAxes(shape, starts, ends, axes, steps)) out[s.axis] = s.count;
  return out;
}

const shapeOps: Record<string, ShapeRule> = {
  IsNaN: (_, [x]) => [boolLike(x)],
  IsInf: (_, [x]) => [boolLike(x)],
  Dropout: (_, [x]) => [same(x), boolLike(x)],
  Where: (_, inMeta) => {
    if (!allDefined(inMeta)) return [];
    return [{ shape: broadcastShapes(...inMeta.map((m) => m.shape)), dtype: inMeta[1].dtype }];
  },
  Cast: (node, [x]) => [x && { shape: [...x.shape], dtype: attrInt(node, 'to', DataType.FLOAT) }],
  CastLike: (_, [x, like]) => [x && like && { shape: [...x.shape], dtype: like.dtype }],
  Shape: (node, [x]) => {
    if (!x) return [];
    const r = x.shape.length;
    const start = clampAxis(attrInt(node, 'start', 0), r);
    const end = clampAxis(attrInt(node, 'end', r), r);
    return [{ shape: [Math.max(0, end - start)], dtype: DataType.INT64 }];
  },
  Size: () => [{ shape: [], dtype: DataType.INT64 }],
  Constant: () => [],
  ConstantOfShape: (node, _, [c]) => [c && { shape: tensorValues(c), dtype: getAttr(node, 'value')?.t?.dataType ?? DataType.FLOAT }],
  Range: (_, inMeta, inConsts) => {
    const args = inConsts.slice(0, 3);
    if (args.length < 3 || !allDefined(args)) return [];
    const [s, l, d] = args.map((t) => tensorValues(t)[0]);
    return [{ shape: [Math.max(0, Math.ceil((l - s) / d))], dtype: inMeta[0]?.dtype ?? args[0].dataType }];
  },
};

const layoutOps: Record<string, ShapeRule> = {
  Reshape: (node, [x], inConsts) => {
    if (!x || !inConsts[1]) return [];
    return [withShape(x, resolveReshape(x.shape, tensorValues(inConsts[1]), attrInt(node, 'allowzero', 0) === 1))];
  },
  Flatten: (node, [x]) => {
    if (!x) return [];
    let axis = attrInt(node, 'axis', 1);
    if (axis < 0) axis += x.shape.length;
    return [withShape(x, [numelOf(x.shape.slice(0, axis)), numelOf(x.shape.slice(axis))])];
  },
  Squeeze: (node, [x], inConsts, opset) => {
    if (!x) return [];
    const axes = squeezeAxes(node, inConsts, opset);
    if (axes === undefined) return [];
    const r = x.shape.length;
    const drop = axes === null ? x.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0) : axes.map((a) => normAxis(a, r));
    return [withShape(x, x.shape.filter((_, i) => !drop.includes(i)))];
  },
  Unsqueeze: (node, [x], inConsts, opset) => {
    if (!x) return [];
    const axes = squeezeAxes(node, inConsts, opset);
    if (!axes) return [];
    return [withShape(x, unsqueezeShape(x.shape, axes))];
  },
  Transpose: (node, [x]) => {
    if (!x) return [];
    const perm = attrInts(node, 'perm') ?? [...x.shape.keys()].reverse();
    return [withShape(x, perm.map((p) => x.shape[p]))];
  },
  Concat: (node, inMeta) => {
    if (inMeta.some((m, i) => node.inputs[i] && !m)) return [];
    const ms = inMeta.filter((_, i) => node.inputs[i]) as ValueMeta[];
    const axis = normAxis(attrInt(node, 'axis', 0), ms[0].shape.length);
    const shape = [...ms[0].shape];
    shape[axis] = ms.reduce((s, m) => s + m.shape[axis], 0);
    return [{ shape, dtype: ms[0].dtype }];
  },
  Split: (node, [x], inConsts, opset) => {
    if (!x) return [];
    const sizes = splitSizes(node, x.shape, inConsts, opset);
    if (!sizes) return [];
    const axis = normAxis(attrInt(node, 'axis', 0), x.shape.length);
    return sizes.map((s) => {
      const shape = [...x.shape];
      shape[axis] = s;
      return { shape, dtype: x.dtype };
    });
  },
  Slice: (node, [x], inConsts, opset) => {
    if (!x) return [];
    if (opset < 10) {
      return [withShape(x, slicedShape(x.shape, requiredAttrInts(node, 'starts'), requiredAttrInts(node, 'ends'), attrInts(node, 'axes')))];
    }
    for (let i = 1; i < node.inputs.length; i++) if (node.inputs[i] && !inConsts[i]) return [];
    const v = (i: number) => {
      const c = inConsts[i];
      return node.inputs[i] && c ? tensorValues(c) : undefined;
    };
    const [starts, ends] = [v(1), v(2)];
    if (!starts || !ends) return [];
    return [withShape(x, slicedShape(x.shape, starts, ends, v(3), v(4)))];
  },
  Gather: (node, [x, idx]) => {
    if (!x || !idx) return [];
    const axis = normAxis(attrInt(node, 'axis', 0), x.shape.length);
    return [withShape(x, [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)])];
  },
  GatherElements: (_, [x, idx]) => [x && idx && { shape: [...idx.shape], dtype: x.dtype }],
  Expand: (_, [x], inConsts) => {
    if (!x || !inConsts[1]) return [];
    return [withShape(x, broadcastShapes(x.shape, tensorValues(inConsts[1])))];
  },
  Tile: (_, [x], inConsts) => {
    if (!x || !inConsts[1]) return [];
    const rep = tensorValues(inConsts[1]);
    return [withShape(x, x.shape.map((d, i) => d * rep[i]))];
  },
  Pad: (node, [x], inConsts, opset) => {
    if (!x) return [];
    const p = padAmounts(node, x.shape.length, inConsts, opset);
    if (!p) return [];
    return [withShape(x, x.shape.map((d, i) => d + p.begin[i] + p.end[i]))];
  },
  Resize: (node, [x], inConsts, opset) => {
    if (!x) return [];
    const s = resizeOutShape(node, x.shape, inConsts, node.opType === 'Upsample' ? 9 : opset);
    return [s && withShape(x, s)];
  },
  DepthToSpace: (node, [x]) => {
    if (!x) return [];
    const b = attrInt(node, 'blocksize', 1);
    const [n, c, h, w] = x.shape;
    return [withShape(x, [n, c / (b * b), h * b, w * b])];
  },
  SpaceToDepth: (node, [x]) => {
    if (!x) return [];
    const b = attrInt(node, 'blocksize', 1);
    const [n, c, h, w] = x.shape;
    return [withShape(x, [n, c * b * b, h / b, w / b])];
  },
};
layoutOps.Upsample = layoutOps.Resize;

const reductionOps: Record<string, ShapeRule> = {
  ReduceMean: (node, [x], inConsts, opset) => {
    if (!x) return [];
    const axes = reduceAxes(node, inConsts, opset, x.shape.length);
    if (!axes) return [];
    const keep = attrInt(node, 'keepdims', 1) === 1;
    return [withShape(x, keep ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i)))];
  },
  ArgMax: (node, [x]) => {
    if (!x) return [];
    const axis = normAxis(attrInt(node, 'axis', 0), x.shape.length);
    const keep = attrInt(node, 'keepdims', 1) === 1;
    const shape = keep ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
    return [{ shape, dtype: DataType.INT64 }];
  },
  TopK: (node, [x], inConsts) => {
    if (!x || !inConsts[1]) return [];
    const axis = normAxis(attrInt(node, 'axis', -1), x.shape.length);
    const shape = [...x.shape];
    shape[axis] = tensorValues(inConsts[1])[0];
    return [withShape(x, shape), { shape: [...shape], dtype: DataType.INT64 }];
  },
};
for (const op of REDUCE) reductionOps[op] = reductionOps.ReduceMean;
reductionOps.ArgMin = reductionOps.ArgMax;

const linearOps: Record<string, ShapeRule> = {
  Gemm: (node, [x, b]) => {
    if (!x || !b) return [];
    const m = attrInt(node, 'transA', 0) ? x.shape[1] : x.shape[0];
    const n = attrInt(node, 'transB', 0) ? b.shape[0] : b.shape[1];
    return [withShape(x, [m, n])];
  },
  MatMul: (_, [x, b]) => (x && b ? [withShape(x, matmulShape(x.shape, b.shape))] : []),
  Einsum: (node, inMeta) => {
    if (!allDefined(inMeta)) return [];
    const spec = parseEinsum(attrString(node, 'equation', ''));
    const sizes = einsumSizes(spec, inMeta.map((m) => m.shape));
    const shape = spec.output.split('').map((ch) => {
      const size = sizes.get(ch);
      if (size === undefined) throw new RangeError(`einsum '${spec.inputs.join(',')}->${spec.output}': output index '${ch}' is in no input`);
      return size;
    });
    return [withShape(inMeta[0], shape)];
  },
  Conv: (node, [x, w]) => {
    if (!x || !w) return [];
    const g = convGeometry(node, x.shape.slice(2), attrInts(node, 'kernel_shape') ?? w.shape.slice(2));
    return [withShape(x, [x.shape[0], w.shape[0], ...g.outSpatial])];
  },
  ConvTranspose: (node, [x, w]) => {
    if (!x || !w) return [];
    const n = x.shape.length - 2;
    const k = attrInts(node, 'kernel_shape') ?? w.shape.slice(2);
    const s = attrInts(node, 'strides') ?? new Array<number>(n).fill(1);
    const d = attrInts(node, 'dilations') ?? new Array<number>(n).fill(1);
    const p = attrInts(node, 'pads') ?? new Array<number>(2 * n).fill(0);
    const op2 = attrInts(node, 'output_padding') ?? new Array<number>(n).fill(0);
    const explicit = attrInts(node, 'output_shape');
    const group = attrInt(node, 'group', 1);
    const spatial = explicit
      ? explicit.slice(-n)
      : x.shape.slice(2).map((i, a) => s[a] * (i - 1) + op2[a] + (k[a] - 1) * d[a] + 1 - p[a] - p[a + n]);
    return [withShape(x, [x.shape[0], w.shape[1] * group, ...spatial])];
  },
  AveragePool: (node, [x]) => {
    if (!x) return [];
    const g = convGeometry(node, x.shape.slice(2), requiredAttrInts(node, 'kernel_shape'), attrInt(node, 'ceil_mode', 0) === 1);
    const shape = [x.shape[0], x.shape[1], ...g.outSpatial];
    return [withShape(x, shape), { shape: [...shape], dtype: DataType.INT64 }];
  },
  GlobalAveragePool: (_, [x]) => [x && withShape(x, x.shape.map((d, i) => (i < 2 ? d : 1)))],
};
linearOps.MaxPool = linearOps.LpPool = linearOps.AveragePool;
linearOps.GlobalMaxPool = linearOps.GlobalAveragePool;

const normalizationOps: Record<string, ShapeRule> = {
  BatchNormalization: (_, [x]) => {
    const c = x ? [x.shape[1]] : [];
    return [same(x), ...[1, 2, 3, 4].map(() => x && { shape: c, dtype: x.dtype })];
  },
  LayerNormalization: (node, [x]) => {
    if (!x) return [];
    const axis = normAxis(attrInt(node, 'axis', -1), x.shape.length);
    const red = x.shape.map((d, i) => (i < axis ? d : 1));
    const stash = attrInt(node, 'stash_type', 1);
    return [same(x), { shape: red, dtype: stash }, { shape: [...red], dtype: stash }];
  },
  OneHot: (node, [idx, , values], inConsts) => {
    if (!idx || !inConsts[1] || !values) return [];
    const depth = tensorValues(inConsts[1])[0];
    const axis = normAxis(attrInt(node, 'axis', -1), idx.shape.length + 1);
    const shape = [...idx.shape];
    shape.splice(axis, 0, depth);
    return [withShape(values, shape)];
  },
};

/** Shape rules by op type (default domain). */
const SHAPE_RULES: Record<string, ShapeRule> = {
  ...Object.fromEntries(SAME_AS_INPUT.map((op): [string, ShapeRule] => [op, (_, [x]) => [same(x)]])),
  ...Object.fromEntries(BINARY_SAME.map((op) => [op, broadcastRule(false)])),
  ...Object.fromEntries(BINARY_BOOL.map((op) => [op, broadcastRule(true)])),
  ...shapeOps,
  ...layoutOps,
  ...reductionOps,
  ...linearOps,
  ...normalizationOps,
};

/** Shapes and element types of a node's outputs, given its inputs' metadata and constants. */
export function inferNodeShapes(node: OnnxNode, inMeta: M[], inConsts: C[], opset: number): M[] {
  if (node.domain && node.domain !== 'ai.onnx') return [];
  const rule = Object.prototype.hasOwnProperty.call(SHAPE_RULES, node.opType) ? SHAPE_RULES[node.opType] : undefined;
  if (!rule) return [];
  try {
    return rule(node, inMeta, inConsts, opset);
  } catch (e) {
    if (e instanceof ShapeInferenceError) throw e;
    throw new ShapeInferenceError(node.name, node.opType, e instanceof Error ? e.message : String(e));
  }
}
