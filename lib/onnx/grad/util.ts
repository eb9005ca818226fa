/**
 * Shared helpers for VJP rules: a node emitter with constant helpers, broadcast un-reduction
 * and the Conv input gradient (also used by the pooling rules).
 */
import { attr, makeTensor, numelOf } from '../attrs';
import { DataType, type DataTypeCode, type OnnxAttribute, type OnnxNode } from '../proto';
import type { ConvGeometry } from '../shapes';
import type { VjpContext } from './types';

const INT64_MAX = 9223372036854775807;
const INT64_MIN = -9223372036854775808;

/**
 * What the rule's check() vouched for (compile-time pads, axes, slice bounds), read again in
 * vjp(); throws, naming the node, if it is missing after all.
 */
export function vouched<T>(ctx: VjpContext, value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`VJP rule for ${ctx.node.opType} ('${ctx.node.name}'): ${what}, which its check() requires`);
  return value;
}

/** Collects the nodes a rule emits. Every method returns the name of the value it produces. */
export class Emit {
  readonly nodes: OnnxNode[] = [];
  constructor(readonly ctx: VjpContext) {}

  get opset(): number {
    return this.ctx.opset;
  }

  op(opType: string, inputs: string[], attributes: OnnxAttribute[] = [], out?: string): string {
    const o = out ?? this.ctx.temp(opType.toLowerCase());
    this.nodes.push({ name: this.ctx.temp(opType), opType, domain: '', inputs, outputs: [o], attributes });
    return o;
  }

  /** A node with several outputs. */
  opN(opType: string, inputs: string[], outputs: string[], attributes: OnnxAttribute[] = []): string[] {
    this.nodes.push({ name: this.ctx.temp(opType), opType, domain: '', inputs, outputs, attributes });
    return outputs;
  }

  /** A 1-D int64 constant. */
  i64(values: readonly number[], name = 'const'): string {
    const o = this.ctx.temp(name);
    const t = makeTensor('', DataType.INT64, [values.length], values.map((v) => (v >= INT64_MAX ? INT64_MAX : v <= INT64_MIN ? INT64_MIN : v)));
    this.nodes.push({ name: this.ctx.temp('Constant'), opType: 'Constant', domain: '', inputs: [], outputs: [o], attributes: [attr.tensor('value', t)] });
    return o;
  }

  /** A rank-0 constant of the given element type. */
  scalar(value: number, dtype: DataTypeCode, name = 'scalar'): string {
    const o = this.ctx.temp(name);
    const t = makeTensor('', dtype, [], [value]);
    this.nodes.push({ name: this.ctx.temp('Constant'), opType: 'Constant', domain: '', inputs: [], outputs: [o], attributes: [attr.tensor('value', t)] });
    return o;
  }

  /** A constant tensor filled with `value` (ConstantOfShape). */
  full(shape: readonly number[], value: number, dtype: DataTypeCode, out?: string): string {
    return this.op('ConstantOfShape', [this.i64(shape, 'shape')], [attr.tensor('value', makeTensor('', dtype, [1], [value]))], out);
  }

  zeros(shape: readonly number[], dtype: DataTypeCode, out?: string): string {
    return this.full(shape, 0, dtype, out);
  }

  identity(x: string, out?: string): string {
    return out ? this.op('Identity', [x], [], out) : x;
  }

  add(a: string, b: string, out?: string): string {
    return this.op('Add', [a, b], [], out);
  }
  sub(a: string, b: string, out?: string): string {
    return this.op('Sub', [a, b], [], out);
  }
  mul(a: string, b: string, out?: string): string {
    return this.op('Mul', [a, b], [], out);
  }
  div(a: string, b: string, out?: string): string {
    return this.op('Div', [a, b], [], out);
  }
  neg(a: string, out?: string): string {
    return this.op('Neg', [a], [], out);
  }

  reshape(x: string, shape: readonly number[], out?: string): string {
    return this.op('Reshape', [x, this.i64(shape, 'shape')], [], out);
  }

  transpose(x: string, perm: readonly number[], out?: string): string {
    return this.op('Transpose', [x], [attr.ints('perm', [...perm])], out);
  }

  reduceSum(x: string, axes: readonly number[], keepdims: boolean, out?: string): string {
    return this.op('ReduceSum', [x, this.i64(axes, 'axes')], [attr.int('keepdims', keepdims ? 1 : 0)], out);
  }

  reduceMean(x: string, axes: readonly number[], keepdims: boolean, out?: string): string {
    if (this.opset >= 18) {
      return this.op('ReduceMean', [x, this.i64(axes, 'axes')], [attr.int('keepdims', keepdims ? 1 : 0)], out);
    }
    return this.op('ReduceMean', [x], [attr.ints('axes', [...axes]), attr.int('keepdims', keepdims ? 1 : 0)], out);
  }

  slice(x: string, starts: readonly number[], ends: readonly number[], axes: readonly number[], steps?: readonly number[], out?: string): string {
    const inputs = [x, this.i64(starts, 'starts'), this.i64(ends, 'ends'), this.i64(axes, 'axes')];
    if (steps) inputs.push(this.i64(steps, 'steps'));
    return this.op('Slice', inputs, [], out);
  }

  /** Zero padding: `begin[i]`/`end[i]` elements before/after axis i (negative values crop). */
  pad(x: string, begin: readonly number[], end: readonly number[], out?: string): string {
    return this.op('Pad', [x, this.i64([...begin, ...end], 'pads')], [attr.string('mode', 'constant')], out);
  }

  expand(x: string, shape: readonly number[], out?: string): string {
    return this.op('Expand', [x, this.i64(shape, 'shape')], [], out);
  }

  unsqueeze(x: string, axes: readonly number[], out?: string): string {
    if (this.opset >= 13) return this.op('Unsqueeze', [x, this.i64(axes, 'axes')], [], out);
    return this.op('Unsqueeze', [x], [attr.ints('axes', [...axes])], out);
  }
}

/**
 * Sums `g` (shape `gShape`, the broadcast result) back to `target` (one operand's shape):
 * ReduceSum over the broadcast axes, then Reshape. Writes to `out` when given.
 */
export function unbroadcast(e: Emit, g: string, gShape: readonly number[], target: readonly number[], out?: string): string {
  const lead = gShape.length - target.length;
  const axes: number[] = [];
  for (let i = 0; i < gShape.length; i++) {
    if (i < lead) axes.push(i);
    else if (target[i - lead] === 1 && gShape[i] !== 1) axes.push(i);
  }
  if (axes.length === 0) {
    if (lead === 0) return e.identity(g, out);
    return e.reshape(g, target, out);
  }
  if (lead === 0) return e.reduceSum(g, axes, true, out);
  const r = e.reduceSum(g, axes, false);
  return e.reshape(r, target, out);
}

/** True when the two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Inserts (s-1) zeros after every element along each spatial axis of a [N, C, ...spatial]
 * tensor (length L -> L*s, trailing zeros included), via Reshape -> Pad -> Reshape.
 */
function zeroInsert(e: Emit, g: string, shape: readonly number[], strides: readonly number[]): { value: string; shape: number[] } {
  if (strides.every((s) => s === 1)) return { value: g, shape: [...shape] };
  const inter: number[] = [shape[0], shape[1]];
  const padEnd: number[] = [0, 0];
  const outShape = [shape[0], shape[1]];
  strides.forEach((s, i) => {
    const L = shape[2 + i];
    inter.push(L, 1);
    padEnd.push(0, s - 1);
    outShape.push(L * s);
  });
  const r = e.reshape(g, inter);
  const p = e.pad(r, new Array(inter.length).fill(0), padEnd);
  return { value: e.reshape(p, outShape), shape: outShape };
}

/**
 * Gradient of a 2-D/1-D/3-D convolution with respect to its input, as a Conv:
 * dx = conv(zero-inserted-by-stride g, flipped group-transposed kernel) with padding
 * (K-1)*d - pad_begin before and whatever makes the output length equal the input length after
 * (negative amounts crop the gradient first).
 *
 * `g` is [N, Cout, ...out], `w` the forward kernel [Cout, Cin/group, ...k] (any value: the
 * flip/transposition is emitted as graph ops, which ONNX Runtime folds for constant kernels),
 * `xShape` the forward input shape [N, Cin, ...in].
 */
export function convInputGrad(
  e: Emit,
  g: string,
  gShape: readonly number[],
  w: string,
  wShape: readonly number[],
  xShape: readonly number[],
  geom: ConvGeometry,
  group: number,
  out?: string,
): string {
  const nsp = xShape.length - 2;
  const cout = wShape[0];
  const cinG = wShape[1];
  const cin = cinG * group;
  const coutG = cout / group;
  const spatialAxes = Array.from({ length: nsp }, (_, i) => 2 + i);

  // Kernel: [Cout, Cin/G, k...] -> [Cin, Cout/G, k...] (transpose within each group), flipped.
  let wt: string;
  if (group === 1) wt = e.transpose(w, [1, 0, ...spatialAxes]);
  else {
    const k = wShape.slice(2);
    const r = e.reshape(w, [group, coutG, cinG, ...k]);
    const t = e.transpose(r, [0, 2, 1, ...spatialAxes.map((a) => a + 1)]);
    wt = e.reshape(t, [cin, coutG, ...k]);
  }
  const wf = e.slice(wt, new Array(nsp).fill(-1), new Array(nsp).fill(INT64_MIN), spatialAxes, new Array(nsp).fill(-1));

  // Upsample the gradient by the stride, then pad/crop it so that a stride-1 conv gives the input size.
  const z = zeroInsert(e, g, gShape, geom.strides);
  const padsBegin: number[] = [];
  const padsEnd: number[] = [];
  const cropStart: number[] = [];
  const cropEnd: number[] = [];
  let crop = false;
  for (let i = 0; i < nsp; i++) {
    const effK = (geom.kernel[i] - 1) * geom.dilations[i];
    const L = z.shape[2 + i];
    const pb = effK - geom.padsBegin[i];
    const pe = xShape[2 + i] + effK - L - pb;
    padsBegin.push(Math.max(0, pb));
    padsEnd.push(Math.max(0, pe));
    cropStart.push(Math.max(0, -pb));
    cropEnd.push(L - Math.max(0, -pe));
    if (pb < 0 || pe < 0) crop = true;
  }
  const gz = crop ? e.slice(z.value, cropStart, cropEnd, spatialAxes) : z.value;
  return e.op(
    'Conv',
    [gz, wf],
    [
      attr.ints('pads', [...padsBegin, ...padsEnd]),
      attr.ints('dilations', [...geom.dilations]),
      attr.ints('strides', new Array<number>(nsp).fill(1)),
      attr.int('group', group),
      attr.ints('kernel_shape', [...geom.kernel]),
    ],
    out,
  );
}

/** Element count of a shape. */
export function numel(shape: readonly number[]): number {
  return numelOf(shape);
}

/**
 * Gradient of a normalization xhat = (x - mean) / sqrt(var + eps) over `axes` (kept dims),
 * given gs = dL/dxhat: dx = rstd * (gs - mean(gs) - xhat * mean(gs * xhat)).
 * Returns dx (written to `out` when given) and xhat (for scale gradients).
 */
export function normalizationGrad(
  e: Emit,
  x: string,
  gs: string,
  axes: readonly number[],
  epsilon: number,
  dtype: number,
  out?: string,
): { dx: string; xhat: string } {
  const mean = e.reduceMean(x, axes, true);
  const xc = e.sub(x, mean);
  const variance = e.reduceMean(e.mul(xc, xc), axes, true);
  const rstd = e.op('Reciprocal', [e.op('Sqrt', [e.add(variance, e.scalar(epsilon, dtype))])]);
  const xhat = e.mul(xc, rstd);
  const mg = e.reduceMean(gs, axes, true);
  const mgx = e.reduceMean(e.mul(gs, xhat), axes, true);
  const inner = e.sub(e.sub(gs, mg), e.mul(xhat, mgx));
  return { dx: e.mul(rstd, inner, out), xhat };
}
