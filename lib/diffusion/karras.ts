/**
 * Karras et al. noise-level grid (spgd-algorithm.md section 2):
 *   sigma_i = (smax^(1/rho) + i/(T-1) (smin^(1/rho) - smax^(1/rho)))^rho,  i = 0..T-1,
 * followed by sigma_T = 0. Returns T + 1 values.
 */
import { z } from 'zod';

/** The grid's parameters as a zod shape, for samplers that walk it (spread into their schema). */
export const karrasParamsShape = {
  steps: z.number().int().min(1).max(5000).default(100),
  sigmaMax: z.number().positive().default(100),
  sigmaMin: z.number().positive().default(0.1),
  rho: z.number().positive().default(7),
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
