/**
 * Inpainting with the user's own mask: the holes and scratches of a photo, painted in the editor,
 * uploaded as a PNG (white = kept) or found as its pure-black pixels.
 *
 *   A x = m * x   (m `[H, W]`, 1 = kept, 0 = missing, broadcast over channels),   A^T = A
 *
 * There is nothing to draw at random: without a mask the operator cannot be built and says so.
 * The mask is the run's state; the rest is the shared mask operator (`mask-operator.ts`).
 *
 * @example
 * const op = operatorFromState('inpaint', [3, 134, 170], {}, { mask }); // mask [134, 170]
 */
import { z } from 'zod';
import { SpgdError } from '../errors';
import { maskOperator } from './mask-operator';
import { expectStateTensor, imageShapeIssue } from './shape';
import type { OperatorDef } from './types';

const params = z.strictObject({});

export type InpaintParams = z.infer<typeof params>;

/** A deterministic test mask: a diagonal band and a block missing. */
function exampleMask(h: number, w: number): Float32Array {
  return Float32Array.from({ length: h * w }, (_, p) => {
    const i = Math.floor(p / w);
    const j = p % w;
    return Math.abs(i - j) < 2 || (i > h / 2 && j < w / 3) ? 0 : 1;
  });
}

export const inpaint: OperatorDef<InpaintParams> = {
  id: 'inpaint',
  description: 'Inpainting with your own mask (1 = kept, 0 = missing): painted, uploaded, or the photo\'s pure-black pixels',
  params,
  shapeErrorCode: 'SHAPE_MISMATCH',
  examples: [
    { inShape: [3, 24, 24], state: { mask: { shape: [24, 24], data: exampleMask(24, 24) } } },
    { inShape: [3, 17, 23], state: { mask: { shape: [17, 23], data: exampleMask(17, 23) } } },
  ],
  checkShape: (inShape) => imageShapeIssue(inShape),
  outShape: (inShape) => [...inShape],
  inShapeFor: (outShape) => [...outShape],
  userData: ['mask'],
  requires: 'mask',
  create() {
    throw new SpgdError('BAD_INPUT', 'inpaint needs a mask: wire a Load mask (or Mask from black pixels) node into the Degrade operator');
  },
  fromState(inShape, _p, state) {
    const mask = expectStateTensor(state.mask, [inShape[1], inShape[2]], 'inpaint', 'mask');
    if (mask.data.some((v) => v < 0 || v > 1)) throw new SpgdError('BAD_INPUT', 'inpaint: mask values must be in [0, 1] (1 = kept, 0 = missing)');
    return maskOperator('inpaint', inShape, mask.data);
  },
};
