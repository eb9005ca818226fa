import type { z } from 'zod';
import type { Denoiser, EpsModel } from '../diffusion/types';
import type { LinearOperator, TaskName } from '../operators/types';
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
  /** The initial estimate x_init of a warm start, shaped like operator.inShape (init.ts). */
  init?: Tensor;
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
  /** Outer steps it runs (a warm start skips the grid's steps above sigma_start). */
  readonly steps: number;
  /** True when it starts from `SamplerContext.init` (a warm start) rather than from noise. */
  readonly warmStart: boolean;
  /** Network evaluations a full run makes. */
  readonly nfe: Nfe;
  init(ctx: SamplerContext): S;
  step(state: S, ctx: SamplerContext, i: number): Promise<StepResult<S>>;
  finish(state: S): Tensor;
}

/** The prior, as the samplers use it: the raw epsilon network and its VP denoiser. */
export interface PriorHandles {
  eps: EpsModel;
  denoiser: Denoiser;
}

/** What a sampler needs from the prior network: gradients through it, forwards only, or nothing. */
export type PriorNeed = 'gradient' | 'forward' | 'none';

/** A named configuration of a sampler (the CLI's `--method`), with its per-task defaults. */
export interface MethodSpec<P> {
  readonly description: string;
  /** Parameters on top of the schema's defaults for this task (tuned step sizes, step counts). */
  defaults(task: TaskName, measurement: { sigmaY: number }): Partial<P>;
  /**
   * For a warm-started configuration: the method whose restoration is the initial estimate for
   * this task (absent or undefined: 'classical', the classical estimate). Graph builders wire
   * that method's node to the sampler's initial-estimate input (`methodInit`).
   */
  init?(task: TaskName): string | undefined;
}

/**
 * A sampler's registry entry (`lib/samplers/index.ts`): its parameter schema (the one source of
 * limits and defaults: node params are picked from it), what it needs from the prior, its
 * factory and its named configurations. A new sampler is one file exporting one of these plus
 * one registry line.
 */
export interface SamplerSpec<S extends z.ZodObject = z.ZodObject> {
  /** Stable id, stored in plans ('spgd', 'dps', ...). */
  readonly id: string;
  readonly title: string;
  readonly params: S;
  needs(p: z.infer<S>): PriorNeed;
  /**
   * How its guidance calls run, for the time estimate: 'fused' (the denoiser's loss and
   * gradient in one model where the operator has an ONNX form; the default) or 'pullback' (a
   * forward, then the separate VJP model). Per outer step, outside the network calls:
   * `proxPerStep` proximal data steps (DiffPIR), `pinvPerStep` pseudo-inverses A^+ (DDNM+),
   * `applyPerStep(p)` operator round trips A then A^T (DAPS's Langevin steps), `noisePerStep(p)`
   * image-sized normal draws beyond the one every step makes (which the step overhead includes).
   */
  readonly cost?: {
    guidance?: 'fused' | 'pullback';
    proxPerStep?: number;
    pinvPerStep?: number;
    applyPerStep?(p: z.infer<S>): number;
    noisePerStep?(p: z.infer<S>): number;
  };
  /** `prior` is null only for samplers that need nothing from it. */
  create(prior: PriorHandles | null, p: z.infer<S>): Sampler<unknown>;
  readonly methods: Readonly<Record<string, MethodSpec<z.infer<S>>>>;
}

export function defineSampler<S extends z.ZodObject>(spec: SamplerSpec<S>): SamplerSpec<S> {
  return spec;
}
