import type { LinearOperator } from '../operators/types';
import type { Rng } from '../rng';
import type { Tensor } from '../tensor';

/** What every sampler run gets besides its own parameters. */
export interface SamplerContext {
  operator: LinearOperator;
  /** The measurement y, shaped like operator.outShape. */
  measurement: Tensor;
  /** The sampler's own random stream (initial noise, ancestral noise). */
  rng: Rng;
  /** Ground truth, when known, for PSNR/SSIM of D in the trace. */
  groundTruth?: Tensor;
  /** Checked before every network call. */
  signal?: AbortSignal;
  /** Which outer steps keep full tensors (x, D, g, momentum, residual) for the timeline. */
  captureAt?: (step: number) => boolean;
}

/** Network evaluations: forwards, and backward passes (VJPs) through the network. */
export interface Nfe {
  forward: number;
  vjp: number;
}

/** Per outer step diagnostics (spgd-algorithm.md section 8). Angles in degrees; NaN where undefined. */
export interface StepTrace {
  step: number;
  /** VE noise level (SPGD, DDIM, DiffPIR) or the DDPM timestep's equivalent sigma (DPS). */
  sigma: number;
  /** Network timestep used at this step. */
  t: number;
  /** Step size applied (eta_i for SPGD, zeta for DPS, NaN when no gradient step). */
  stepSize: number;
  /** ||A(D) - y|| at the first warm-up evaluation. */
  residualNorm: number;
  /** ||g|| of the first warm-up gradient. */
  gradNorm: number;
  /** ADM weights w_j of warm-up steps j = 1..N-1 (empty without momentum). */
  admWeights: number[];
  /** angle(D - x, -g): prior pull vs likelihood pull. */
  conflict: number;
  /** angle(g_l at this step, g_l at the previous step), first warm-up gradients. */
  fluctuationRaw: number;
  /** The same for the direction actually applied after ADM (final momentum of each step). */
  fluctuationAdm: number;
  /** angle(D - x at this step, D - x at the previous step). */
  priorStability: number;
  psnr?: number;
  ssim?: number;
  /** Cumulative network evaluations after this step. */
  nfe: Nfe;
}

/** Full tensors of one step for the step timeline. */
export interface StepSnapshot {
  step: number;
  x: Tensor;
  denoised: Tensor;
  grad?: Tensor;
  momentum?: Tensor;
  residual?: Tensor;
}

export interface StepResult<S> {
  state: S;
  trace: StepTrace;
  snapshot?: StepSnapshot;
}

/**
 * A sampler is pure step logic: `init` draws the starting state, `step` advances one outer
 * step, `finish` reads the result. The loop, progress, cancellation and timing live in
 * `run.ts` only.
 */
export interface Sampler<S> {
  readonly method: string;
  /** Outer steps. */
  readonly steps: number;
  /** Network evaluations a full run makes. */
  readonly nfe: Nfe;
  init(ctx: SamplerContext): S;
  step(state: S, ctx: SamplerContext, i: number): Promise<StepResult<S>>;
  finish(state: S): Tensor;
}
