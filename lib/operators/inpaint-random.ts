/**
 * Random inpainting (docs: spgd-algorithm.md section 6).
 *
 *   A x = m * x   (m `[H, W]` broadcast over channels),   A^T = A,   shapes `[C, H, W] -> [C, H, W]`
 *
 * Exactly floor(H * W * missing) pixel positions (default 80%) are drawn without replacement
 * (`rng.sampleWithoutReplacement`) and are missing on every channel. The mask is the run's
 * state. proxL2 is closed form: (m y + rho z) / (m^2 + rho).
 *
 * @example
 * const op = createOperator('inpaint-random', [3, 256, 256], {}, new Rng(seed, 'operator'));
 * const y = op.forward(x); // 52428 pixels (80%) zeroed on all channels
 */
import { z } from 'zod';
import { SpgdError } from '../errors';
import { randomMask } from './gen/masks';
import { maskOperator } from './mask-operator';
import { expectStateTensor, imageShapeIssue } from './shape';
import type { OperatorDef } from './types';

const params = z.strictObject({
  missing: z.number().min(0).max(1).default(0.8).describe('fraction of pixels removed (same on all channels)'),
});

export type InpaintRandomParams = z.infer<typeof params>;

export const inpaintRandom: OperatorDef<InpaintRandomParams> = {
  id: 'inpaint-random',
  description: 'Random inpainting: floor(H*W*missing) pixels removed, the same ones on every channel',
  params,
  shapeErrorCode: 'SHAPE_MISMATCH',
  examples: [{ inShape: [3, 64, 64] }, { inShape: [3, 48, 64] }, { inShape: [1, 5, 7], params: { missing: 0.5 } }],
  checkShape: (inShape) => imageShapeIssue(inShape),
  outShape: (inShape) => [...inShape],
  inShapeFor: (outShape) => [...outShape],
  userData: ['mask'],
  create(inShape, p, rng) {
    const [, h, w] = inShape;
    return maskOperator('inpaint-random', inShape, randomMask(h, w, p.missing, rng));
  },
  fromState(inShape, _p, state) {
    const mask = expectStateTensor(state.mask, [inShape[1], inShape[2]], 'inpaint-random', 'mask');
    if (mask.data.some((v) => v < 0 || v > 1)) {
      throw new SpgdError('BAD_INPUT', 'inpaint-random: mask values must be in [0, 1] (1 = observed, 0 = missing)');
    }
    return maskOperator('inpaint-random', inShape, mask.data);
  },
};
