/**
 * Karras et al. noise-level grid (spgd-algorithm.md section 2):
 *   sigma_i = (smax^(1/rho) + i/(T-1) (smin^(1/rho) - smax^(1/rho)))^rho,  i = 0..T-1,
 * followed by sigma_T = 0. Returns T + 1 values.
 */
import { z } from 'zod';

/**
 * The grid's parameters as a zod shape, for samplers that walk it (spread into their schema) and
 * the Noise schedule node (which takes it as it is): the one place its limits are set.
 */
export const karrasParamsShape = {
  steps: z.number().int().min(1).max(1000).default(100).describe('T, the number of noise levels (denoising steps)'),
  sigmaMax: z.number().positive().max(1000).default(100).describe('the first (largest) noise level'),
  sigmaMin: z.number().positive().max(10).default(0.1).describe('the last nonzero noise level'),
  rho: z.number().positive().max(20).default(7).describe('spacing: larger rho spends more steps at low noise'),
};

export interface KarrasOptions {
  steps: number;
  sigmaMax?: number;
  sigmaMin?: number;
  rho?: number;
}

export function karrasSigmas({ steps, sigmaMax = 100, sigmaMin = 0.1, rho = 7 }: KarrasOptions): Float64Array {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  if (!(sigmaMax > sigmaMin && sigmaMin > 0)) throw new RangeError(`need sigmaMax > sigmaMin > 0, got ${sigmaMax}, ${sigmaMin}`);
  const out = new Float64Array(steps + 1);
  const a = sigmaMax ** (1 / rho);
  const b = sigmaMin ** (1 / rho);
  for (let i = 0; i < steps; i++) {
    const f = steps === 1 ? 0 : i / (steps - 1);
    out[i] = (a + f * (b - a)) ** rho;
  }
  out[steps] = 0;
  return out;
}
