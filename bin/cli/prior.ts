import { GaussianEpsModel } from '../../lib/diffusion/gaussian-prior';
import { vpDenoiser } from '../../lib/diffusion/vp';
import type { PriorHandles } from '../../lib/samplers';
import { UsageError } from './errors';

/**
 * --prior: 'gaussian' is the analytic N(0, 0.5^2) prior (no network; exact gradients),
 * useful to check a pipeline end to end in seconds.
 */
export async function loadPrior(spec: string | undefined): Promise<PriorHandles> {
  const name = spec ?? 'gaussian';
  if (name === 'gaussian') {
    const eps = new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' });
    return { eps, denoiser: vpDenoiser(eps) };
  }
  throw new UsageError(`unknown --prior '${name}' (available: gaussian)`);
}
