/**
 * One restoration, framework-free: build the operator, simulate (or take) the measurement,
 * run a sampler, score it. The CLI, the server and the browser worker all call this.
 *
 * Seeds: one user seed feeds three independent streams ('operator' for masks and kernels,
 * 'measurement' for the noise of y, 'sampler' for the sampler's draws), so changing the method
 * never changes the measurement.
 */
import { psnr, ssim } from '../metrics';
import { createOperator, OPERATORS, simulateMeasurement } from '../operators';
import type { LinearOperator, TaskName } from '../operators/types';
import { Rng } from '../rng';
import { createSampler, runSampler, type Method, type PriorHandles, type RunOptions, type SampleResult } from '../samplers';
import type { StepSnapshot } from '../samplers/types';
import type { Tensor } from '../tensor';

export interface RestoreRequest {
  task: TaskName;
  method: Method;
  prior: PriorHandles;
  seed: number;
  /** Measurement noise on the [-1, 1] scale. */
  sigmaY: number;
  /** Sampler parameter overrides (validated by the sampler's schema). */
  samplerParams?: Record<string, unknown>;
  /** Operator parameter overrides (validated by the operator's schema). */
  operatorParams?: Record<string, unknown>;
  /** Either a ground truth to degrade, or a measurement to restore (then no metrics). */
  groundTruth?: Tensor;
  measurement?: Tensor;
  /** A stored mask/kernel/box to rebuild the operator with instead of drawing it from the seed. */
  operatorState?: LinearOperator['state'];
  signal?: AbortSignal;
  captureAt?: (step: number) => boolean;
  run?: RunOptions;
}

export interface RestoreOutcome {
  operator: LinearOperator;
  measurement: Tensor;
  result: SampleResult;
  /** PSNR / SSIM of the sample against the ground truth, when there is one. */
  psnr?: number;
  ssim?: number;
  snapshots: StepSnapshot[];
}

/** Shape of the clean image an operator must accept, given its measurement's shape. */
export function inputShapeFor(task: TaskName, measurementShape: readonly number[]): number[] {
  const [c, h, w] = measurementShape;
  return task === 'sr-x4' ? [c, 4 * h, 4 * w] : [c, h, w];
}

export function buildOperator(
  task: TaskName,
  inShape: readonly number[],
  seed: number,
  params: Record<string, unknown> = {},
  state?: LinearOperator['state'],
): LinearOperator {
  if (state && Object.keys(state).length > 0) {
    const def = OPERATORS[task];
    if (!def.fromState) throw new Error(`${task} cannot be rebuilt from a stored state`);
    return def.fromState(inShape, def.params.parse(params), state);
  }
  return createOperator(task, inShape, params, new Rng(seed, 'operator'));
}

export async function restore(req: RestoreRequest): Promise<RestoreOutcome> {
  if (!req.groundTruth === !req.measurement) throw new Error('restore needs exactly one of groundTruth and measurement');
  const inShape = req.groundTruth ? req.groundTruth.shape : inputShapeFor(req.task, req.measurement!.shape);
  const operator = buildOperator(req.task, inShape, req.seed, req.operatorParams, req.operatorState);
  const measurement = req.measurement ?? simulateMeasurement(operator, req.groundTruth!, req.sigmaY, new Rng(req.seed, 'measurement'));
  const sampler = createSampler(req.method, req.task, req.prior, req.samplerParams, req.sigmaY);
  const result = await runSampler(
    sampler,
    {
      operator,
      measurement,
      rng: new Rng(req.seed, 'sampler'),
      groundTruth: req.groundTruth,
      signal: req.signal,
      captureAt: req.captureAt,
    },
    req.run,
  );
  const scores = req.groundTruth ? { psnr: psnr(result.sample, req.groundTruth), ssim: ssim(result.sample, req.groundTruth) } : {};
  return { operator, measurement, result, snapshots: result.snapshots, ...scores };
}
