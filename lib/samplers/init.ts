import { tensor, type Tensor } from '../tensor';
import type { SamplerContext } from './types';

/** x = sigma n, n ~ N(0, I), shaped like the operator's input: where VE samplers start. */
export function startingNoise(ctx: SamplerContext, sigma: number): Tensor {
  const n = ctx.rng.normals(ctx.operator.inShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < n.length; i++) n[i] *= sigma;
  return tensor(ctx.operator.inShape, n);
}
