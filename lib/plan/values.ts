/**
 * What flows along the wires at run time: one value type per port type (lib/graph/ports.ts),
 * and the helpers node run code shares to read them.
 *
 *   Image        [C, H, W] in [-1, 1]
 *   Operator     a validated operator spec {task, options, seed}, plus a user's mask or kernel
 *                when one is wired in; the linear map itself is built where the image shape is
 *                known (`buildOperator`)
 *   Measurement  y, its noise level, and -- when simulated -- the ground truth and the operator
 *                that made it
 *   Prior        the epsilon network and its VP denoiser
 *   Schedule / Warmup / Momentum   parameter bundles (the node's params)
 *   Mask         [H, W], 1 = observed, 0 = missing
 *   Kernel       [k, k] blur kernel, non-negative, sums to 1
 *   Uncertainty  [H, W] per-pixel std over a sampler's K samples (zeros for one sample)
 *   Trace        a sampler's per-step diagnostics, snapshots and final metrics
 *   Metrics      PSNR / SSIM / ||A x - y||
 */
import type { Denoiser, EpsModel } from '../diffusion/types';
import type { PortType } from '../graph/ports';
import { SpgdError } from '../errors';
import { psnr, ssim } from '../metrics';
import { createOperator, getOperatorDef, operatorFromState } from '../operators';
import type { LinearOperator, OperatorState, TaskName } from '../operators/types';
import { Rng } from '../rng';
import type { Nfe, StepSnapshot, StepTrace } from '../samplers/types';
import { norm, sameShape, sub, tensor, type Tensor } from '../tensor';
import type { RunMetrics } from './types';

export interface ImageValue {
  kind: 'Image';
  tensor: Tensor;
}
export interface OperatorValue {
  kind: 'Operator';
  task: TaskName;
  options: Record<string, unknown>;
  seed: number;
  /** Content key of the node that made it: equal keys build the same operator. */
  key: string;
  /** A user's mask or kernel: the operator is rebuilt from it instead of drawn from the seed. */
  state?: OperatorState;
}
export interface MeasurementValue {
  kind: 'Measurement';
  y: Tensor;
  sigmaY: number;
  /** Simulated measurements carry the clean image (for metrics) and the operator that made them. */
  groundTruth?: Tensor;
  operator?: LinearOperator;
  operatorKey?: string;
}
export interface PriorValue {
  kind: 'Prior';
  model: string;
  eps: EpsModel;
  denoiser: Denoiser;
}
export interface BundleValue<K extends 'Schedule' | 'Warmup' | 'Momentum'> {
  kind: K;
  bundle: Record<string, unknown>;
}
export interface MaskValue {
  kind: 'Mask';
  tensor: Tensor;
}
export interface KernelValue {
  kind: 'Kernel';
  tensor: Tensor;
}
export interface UncertaintyValue {
  kind: 'Uncertainty';
  tensor: Tensor;
  /** K, the number of samples it is the spread of. */
  samples: number;
}
export interface TraceValue {
  kind: 'Trace';
  /** Steps of the first chain. */
  trace: StepTrace[];
  snapshots: StepSnapshot[];
  /** All chains together. */
  nfe: Nfe;
  seconds: number;
  /** Quality of the result, the mean of the chains (PSNR/SSIM when the measurement carries a ground truth). */
  metrics: RunMetrics;
  /** Quality of each chain's own sample, chain 0 first (one entry for a single run). */
  chainMetrics: RunMetrics[];
}
export interface MetricsValue {
  kind: 'Metrics';
  metrics: RunMetrics;
}
export type PortValue =
  | ImageValue
  | OperatorValue
  | MeasurementValue
  | PriorValue
  | BundleValue<'Schedule'>
  | BundleValue<'Warmup'>
  | BundleValue<'Momentum'>
  | MaskValue
  | KernelValue
  | UncertaintyValue
  | TraceValue
  | MetricsValue;

export type PortValueOf<T extends PortType> = Extract<PortValue, { kind: T }>;

/** Output port name -> value. */
export type NodeOutputs = Record<string, PortValue>;

/** The operator a spec describes on images of `inShape`: from the user's mask/kernel, else drawn from Rng(seed, 'operator'). */
export function buildOperator(op: OperatorValue, inShape: readonly number[]): LinearOperator {
  return op.state ? operatorFromState(op.task, inShape, op.options, op.state) : createOperator(op.task, inShape, op.options, new Rng(op.seed, 'operator'));
}

/**
 * The operator and the data a sampler (or Metrics) uses for a measurement: the operator that made
 * it when the Operator wire is that same operator (a simulation: y as simulated); else the wired
 * operator, built at the size whose output is y, and y reduced to what that operator observes (a
 * real photo's holes are not data).
 */
export function resolveMeasurement(m: MeasurementValue, op: OperatorValue): ResolvedMeasurement {
  if (m.operator && op.key === m.operatorKey) return { operator: m.operator, y: m.y, dataValues: m.y.data.length };
  const operator = buildOperator(op, getOperatorDef(op.task).inShapeFor(m.y.shape, op.options));
  if (!sameShape(operator.outShape, m.y.shape)) {
    throw new SpgdError('SHAPE_MISMATCH', `the ${op.task} operator gives [${operator.outShape.join(', ')}], the measurement is [${m.y.shape.join(', ')}]`);
  }
  if (!operator.observed) return { operator, y: m.y, dataValues: m.y.data.length };
  const seen = operator.observed(tensor(m.y.shape, new Float32Array(m.y.data.length).fill(1)));
  return { operator, y: operator.observed(m.y), dataValues: seen.data.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0) };
}

export interface ResolvedMeasurement {
  operator: LinearOperator;
  y: Tensor;
  /** How many values of y are data (all of them, but for a real photo's holes): the noise floor counts these. */
  dataValues: number;
}

/**
 * ||A x - y|| of a result against the noise floor sqrt(m) sigma_y (what a perfect restoration
 * leaves: the noise of y's m data values), and PSNR / SSIM against the ground truth when there is
 * one of its shape (`truth`, else the one a simulated measurement carries).
 */
export function finalMetrics(x: Tensor, r: ResolvedMeasurement, sigmaY: number, truth: Tensor | undefined): RunMetrics {
  const out: RunMetrics = { residual: norm(sub(r.operator.forward(x), r.y)), noiseFloor: Math.sqrt(r.dataValues) * sigmaY };
  if (truth && sameShape(truth.shape, x.shape)) {
    out.psnr = psnr(x, truth);
    out.ssim = ssim(x, truth);
  }
  return out;
}

export function metricsSummary(m: RunMetrics): string {
  const parts = [];
  if (m.psnr !== undefined) parts.push(`PSNR ${m.psnr.toFixed(2)} dB`);
  if (m.ssim !== undefined) parts.push(`SSIM ${m.ssim.toFixed(4)}`);
  parts.push(`||Ax - y|| ${m.residual === null ? 'n/a' : m.residual.toPrecision(4)}`);
  if (m.noiseFloor !== undefined) parts.push(`noise floor ${m.noiseFloor.toPrecision(4)}`);
  return parts.join(', ');
}
