import type { LinearOperator } from '../operators/types';
import type { Tensor } from '../tensor';

/**
 * What a prior network gives for one image.
 * `eps` is the first 3 output channels `[3, H, W]`; `varianceLogit` holds channels 3..5 of a
 * 6-channel (learned-variance) network, or is absent for a 3-channel one.
 */
export interface EpsOutput {
  eps: Tensor;
  varianceLogit?: Tensor;
}

/**
 * An epsilon network `eps(z, t)` on the linear DDPM schedule, evaluated on one image
 * `z [3, H, W]` at a (possibly fractional) timestep `t` in [0, 999].
 *
 * `epsPullback` is the one call samplers need for likelihood guidance: it evaluates the
 * network, asks `cotangent` for v = dL/d(eps) given that output, and returns
 * `vjp = J_eps(z)^T v` (one backward pass through the network). Asking for the cotangent
 * inside the call lets a backend keep the forward activations, or fuse the loss into the
 * same model, instead of running the forward twice.
 */
export interface EpsModel {
  readonly name: string;
  /** Output channels of the network: 3 (epsilon) or 6 (epsilon + variance). */
  readonly outChannels: 3 | 6;
  /** True when the network only accepts integer timesteps (then callers pass round(t)). */
  readonly integerTimesteps: boolean;
  eps(z: Tensor, t: number): Promise<EpsOutput>;
  epsPullback(z: Tensor, t: number, cotangent: (out: EpsOutput) => Tensor): Promise<{ out: EpsOutput; vjp: Tensor }>;
  /**
   * Optional fused guidance step: D = x - sigma eps(c_in x, t), the described loss of D and
   * dL/dx = J_D^T dL/dD in one backend call (one forward and one backward pass, no separate
   * forward). Resolves null when this loss (e.g. its operator) cannot be fused; the caller then
   * takes the `epsPullback` path.
   */
  fusedVpLossGrad?(x: Tensor, s: VpScalars, loss: DenoisedLossDescription): Promise<DenoisedWithGrad | null>;
  /**
   * Optional batched calls: `eps` and `fusedVpLossGrad` for several images of one size at one
   * timestep, in one backend call (K chains in lockstep, `lockstep.ts`). Element k of the result
   * is what the single call gives for image k (up to floating-point summation order).
   */
  epsBatch?(zs: readonly Tensor[], t: number): Promise<EpsOutput[]>;
  fusedVpLossGradBatch?(xs: readonly Tensor[], s: VpScalars, loss: DenoisedLossDescription): Promise<DenoisedWithGrad[] | null>;
}

/**
 * SPGD's data term L(D) = sum((A D - y)^2) (spgd-algorithm.md section 3), described by its
 * parts so a backend can evaluate it inside its own graph.
 */
export interface SquaredResidualLossDescription {
  readonly kind: 'squared-residual';
  readonly operator: LinearOperator;
  readonly y: Tensor;
}

/** What a `DenoisedLoss` computes, when it is a loss a backend may fuse into the network graph. */
export type DenoisedLossDescription = SquaredResidualLossDescription;

/**
 * A scalar loss of the denoised image: its value and dL/dD at D.
 *
 * A loss may carry a `description` of what it computes. A denoiser whose backend can fuse that
 * loss (see `EpsModel.fusedVpLossGrad`) then evaluates it in-graph and does not call the
 * function; it returns the residual it computed as `residual` instead.
 */
export type DenoisedLoss = ((denoised: Tensor) => { value: number; grad: Tensor }) & {
  readonly description?: DenoisedLossDescription;
};

/** D, L(D) and dL/dx, plus r = A D - y when a described residual loss was evaluated in-graph. */
export interface DenoisedWithGrad {
  denoised: Tensor;
  loss: number;
  grad: Tensor;
  residual?: Tensor;
}

/** The VP preconditioning scalars of one noise level (vp.ts): eps is evaluated at (c_in x, t). */
export interface VpScalars {
  sigma: number;
  cIn: number;
  /** The timestep fed to the network (already rounded for integer-timestep models). */
  t: number;
}

/**
 * A denoiser D(x, sigma) in VE coordinates (x = x0 + sigma * n), the interface SPGD,
 * DDIM and DiffPIR use.
 */
export interface Denoiser {
  readonly name: string;
  denoise(x: Tensor, sigma: number): Promise<Tensor>;
  /** D(x, sigma), L(D) and dL/dx = J_D(x)^T dL/dD (one forward and one backward pass). */
  denoiseWithGrad(x: Tensor, sigma: number, loss: DenoisedLoss): Promise<DenoisedWithGrad>;
  /**
   * Optional batched calls (present when the network's backend batches): the same results for
   * several images at one sigma, from one backend call. `denoiseWithGradBatch` takes image k's
   * loss as `losses[k]` (all describing the same function of D, e.g. K chains' copies of one
   * data term) and resolves null when they cannot be evaluated in-graph together; the caller
   * then makes the single calls.
   */
  denoiseBatch?(xs: readonly Tensor[], sigma: number): Promise<Tensor[]>;
  denoiseWithGradBatch?(xs: readonly Tensor[], sigma: number, losses: readonly DenoisedLoss[]): Promise<DenoisedWithGrad[] | null>;
}
