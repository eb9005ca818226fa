import { SpgdError } from '../errors';
import type { PriorHandles } from './types';

/** The prior a network-based sampler was created with (null only reaches samplers that need none). */
export function requirePrior(prior: PriorHandles | null, sampler: string): PriorHandles {
  if (!prior) throw new SpgdError('BAD_INPUT', `the ${sampler} sampler needs a prior network`);
  return prior;
}
