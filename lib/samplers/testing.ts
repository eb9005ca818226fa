/**
 * Helpers shared by the sampler tests (not used by the engine): a linear inverse problem with
 * Gaussian data, whose posterior is known in closed form.
 */
import { GaussianEpsModel } from '../diffusion/gaussian-prior';
import { vpDenoiser } from '../diffusion/vp';
import { createOperator, simulateMeasurement } from '../operators';
import { proxL2 } from '../operators/solve';
import type { LinearOperator, TaskName } from '../operators/types';
import { Rng } from '../rng';
import { norm, sub, tensor, type Tensor } from '../tensor';
import type { PriorHandles } from './types';

export interface GaussianProblem {
  op: LinearOperator;
  y: Tensor;
  /** The data mean (the prior is N(mean, std^2 I)). */
  mean: Tensor;
  std: number;
  sigmaY: number;
  /** E[x | y]. */
  posteriorMean: Tensor;
  truth: Tensor;
}

/**
 * Gaussian data N(mean, std^2 I) with a smooth random mean, a linear operator, y = A x + sigma_y n.
 * The posterior mean solves argmin ||A x - y||^2 + (sigma_y^2 / std^2) ||x - mean||^2.
 */
export function gaussianProblem(task: TaskName, { seed = 0, shape = [3, 32, 32], std = 0.3, sigmaY = 0.05 } = {}): GaussianProblem {
  const rng = new Rng(seed, 'test');
  const n = shape.reduce((a, b) => a * b, 1);
  const mean = tensor(shape, rng.normals(n).map((v) => 0.3 * Math.tanh(v)));
  const truth = tensor(shape, mean.data.map((m) => m + std * rng.normal()));
  const op = createOperator(task, shape, {}, new Rng(seed, 'operator'));
  const y = simulateMeasurement(op, truth, sigmaY, new Rng(seed, 'measurement'));
  // The noiseless posterior mean is the limit sigma_y -> 0; 1e-3 is close enough and well posed.
  const s = Math.max(sigmaY, 1e-3);
  const posteriorMean = proxL2(op, mean, y, (s * s) / (std * std), { tol: 1e-10, maxIter: 2000 });
  return { op, y, mean, std, sigmaY, posteriorMean, truth };
}

/**
 * The exact posterior marginal std per element for an inpainting problem (A = diag(mask)):
 * observed 1 / sqrt(1/std^2 + 1/sigma_y^2), missing std.
 */
export function inpaintingPosteriorStd(p: GaussianProblem): Float64Array {
  const mask = p.op.state.mask;
  if (!mask) throw new Error('inpaintingPosteriorStd needs an inpainting problem');
  const plane = mask.data.length;
  const observed = 1 / Math.sqrt(1 / p.std ** 2 + 1 / p.sigmaY ** 2);
  return Float64Array.from({ length: p.mean.data.length }, (_, i) => (mask.data[i % plane] ? observed : p.std));
}

/** The analytic prior of the problem: 'continuous' for samplers on the VP/VE grid, 'discrete' for DPS. */
export function gaussianPrior(p: Pick<GaussianProblem, 'mean' | 'std'>, schedule: 'continuous' | 'discrete' = 'continuous'): PriorHandles {
  const eps = new GaussianEpsModel({ mean: p.mean, std: p.std, schedule });
  return { eps, denoiser: vpDenoiser(eps) };
}

/** ||estimate - posterior mean|| relative to how far the data moved the posterior from the prior. */
export function relativeError(estimate: Tensor, p: GaussianProblem): number {
  return norm(sub(estimate, p.posteriorMean)) / norm(sub(p.posteriorMean, p.mean));
}

/**
 * An Rng whose normals are all zero: the sampler starts at x_T = 0 and adds no noise. For a
 * Gaussian prior and a linear operator every sampler here is then a deterministic map whose
 * output an exact posterior sampler would place at the posterior mean (the probability-flow
 * ODE of N(m, C) sends 0 to m - C^(1/2) m / sigma_max, about 1e-3 away here).
 */
export class ZeroNoise extends Rng {
  constructor() {
    super(0);
  }
  override normal() {
    return 0;
  }
  override normals(n: number) {
    return new Float32Array(n);
  }
}

/** Bitwise equality of two tensors' data. */
export function sameBits(a: Tensor, b: Tensor): boolean {
  return Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));
}
