/** Deterministic test values for VJP rule tests (weights etc.), without Math.random. */
import { Rng } from '../../rng';

export function randomValues(n: number, seed: number, scale = 1): number[] {
  const rng = new Rng(seed, 'vjp-test');
  return Array.from({ length: n }, () => scale * rng.normal());
}
