/**
 * Where a sampler starts: from noise (cold), or from an initial estimate part-way down the noise
 * grid (warm start, "come closer, diffuse faster", CCDF, Chung et al. CVPR 2022):
 *
 *   cold:  x = sigma_0 n                    at grid index 0
 *   warm:  x = x_init + sigma_k n           at k = the first index with sigma_k <= sigma_start,
 *                                           the k steps above it skipped (the rest are the cold
 *                                           run's steps, step sizes included)
 *
 * sigma_start >= sigma_0 is the cold start itself, bit for bit: the initial estimate is not
 * used (next to sigma_max = 100 it would be a rounding error anyway). A sigma_start below the
 * grid's last nonzero level starts at that level, so at least one step runs.
 */
import { z } from 'zod';
import { karrasSigmas } from '../diffusion/karras';
import { SpgdError } from '../errors';
import { sameShape, tensor, type Tensor } from '../tensor';
import type { SamplerContext } from './types';

/** The warm-start parameter as a zod shape, spread into the schema of every sampler that walks a noise grid. */
export const warmStartShape = {
  sigmaStart: z
    .number()
    .positive()
    .max(1000)
    .default(1000)
    .describe('warm start (CCDF): begin at this noise level from the init input, x = init + sigma n, skipping the steps above it; at or above the first noise level: cold start from noise'),
};

/** x = sigma n, n ~ N(0, I), shaped like the operator's input: where VE samplers start. */
export function startingNoise(ctx: SamplerContext, sigma: number): Tensor {
  const n = ctx.rng.normals(ctx.operator.inShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < n.length; i++) n[i] *= sigma;
  return tensor(ctx.operator.inShape, n);
}

/**
 * The first step to run for a warm start at `sigmaStart` on a decreasing grid of `levels`
 * noise levels (`sigmaAt(i)`, i < levels): 0 (cold) when sigmaStart >= sigmaAt(0), else the
 * first i with sigmaAt(i) <= sigmaStart, at most levels - 1.
 */
export function warmStartIndex(levels: number, sigmaAt: (i: number) => number, sigmaStart: number): number {
  // Relative slack: the grid's first level is sigma_max up to rounding (Karras: (smax^(1/rho))^rho).
  if (sigmaStart >= sigmaAt(0) * (1 - 1e-9)) return 0;
  for (let i = 1; i < levels; i++) if (sigmaAt(i) <= sigmaStart) return i;
  return levels - 1;
}

/** The initial estimate a warm start needs: BAD_INPUT when it is missing or of another shape. */
export function requireInit(ctx: SamplerContext, sampler: string): Tensor {
  if (!ctx.init) {
    throw new SpgdError('BAD_INPUT', `the ${sampler} sampler starts warm (sigmaStart below the first noise level): it needs an initial estimate (wire an image to 'init')`);
  }
  if (!sameShape(ctx.init.shape, ctx.operator.inShape)) {
    throw new SpgdError(
      'SHAPE_MISMATCH',
      `the initial estimate is [${ctx.init.shape.join(', ')}], the ${sampler} sampler restores [${ctx.operator.inShape.join(', ')}]`,
    );
  }
  return ctx.init;
}

/** x = x_init + sigma n (the warm start of a VE sampler at noise level sigma). */
export function warmStartState(ctx: SamplerContext, sigma: number, sampler: string): Tensor {
  const init = requireInit(ctx, sampler);
  const x = startingNoise(ctx, sigma);
  for (let i = 0; i < x.data.length; i++) x.data[i] += init.data[i];
  return x;
}

/** A VE sampler's walk down the Karras grid, its warm start resolved (`p` as the sampler's schema gives it). */
export interface GridWalk {
  /** sigma_0 > ... > sigma_{T-1} > sigma_T = 0. */
  sigmas: Float64Array;
  /** Grid index of the first step (0: cold start). */
  first: number;
  /** Steps it runs: T - first. */
  steps: number;
  warmStart: boolean;
  /** The starting state: sigma_max n (cold) or x_init + sigma_first n (warm). */
  start: (ctx: SamplerContext) => Tensor;
}

export function gridWalk(p: { steps: number; sigmaMax: number; sigmaMin: number; rho: number; sigmaStart: number }, sampler: string): GridWalk {
  const sigmas = karrasSigmas(p);
  const first = warmStartIndex(p.steps, (k) => sigmas[k], p.sigmaStart);
  return {
    sigmas,
    first,
    steps: p.steps - first,
    warmStart: first > 0,
    start: (ctx) => (first === 0 ? startingNoise(ctx, p.sigmaMax) : warmStartState(ctx, sigmas[first], sampler)),
  };
}
