/**
 * Box inpainting (docs: spgd-algorithm.md section 6).
 *
 *   A x = m * x,  m = 0 inside the box, 1 elsewhere,   A^T = A,   `[C, H, W] -> [C, H, W]`
 *
 * The box is floor(H*size) x floor(W*size) (default H/2 x W/2: 128x128 on 256x256) with its
 * top-left corner uniform over the integers in [m, H - m - boxH] (m = floor(H*margin), default
 * H/8: [32, 96] on 256), columns likewise. The box (and its mask) is the run's state.
 * proxL2 is closed form: (m y + rho z) / (m^2 + rho).
 *
 * @example
 * const op = createOperator('inpaint-box', [3, 256, 256], {}, new Rng(seed, 'operator'));
 * op.state.box; // { top: 57, left: 90, height: 128, width: 128 } for some seed
 */
import { z } from 'zod';
import { SpgdError } from '../errors';
import { boxMask, randomBox, type Box } from './gen/masks';
import { maskOperator } from './mask-operator';
import { expectStateTensor, hw, imageShapeIssue } from './shape';
import type { OperatorDef } from './types';

const params = z
  .strictObject({
    size: z.number().gt(0).max(1).default(0.5).describe('box height and width as a fraction of the image'),
    margin: z.number().min(0).lt(0.5).default(0.125).describe('smallest distance from the border, as a fraction'),
  })
  .refine((p) => p.size + 2 * p.margin <= 1, { message: 'size + 2 * margin must be at most 1' });

export type InpaintBoxParams = z.infer<typeof params>;

const DEFAULTS: InpaintBoxParams = { size: 0.5, margin: 0.125 };

function fitIssue(h: number, w: number, p: InpaintBoxParams): string | null {
  const bh = Math.floor(h * p.size);
  const bw = Math.floor(w * p.size);
  if (bh < 1 || bw < 1) {
    const need = Math.ceil(1 / p.size);
    return `inpaint-box needs the image at least ${need}x${need} px (box of ${p.size} of each side), got ${h}x${w}`;
  }
  return null;
}

export const inpaintBox: OperatorDef<InpaintBoxParams> = {
  id: 'inpaint-box',
  description: 'Box inpainting: an H/2 x W/2 box (by default) at a random position at least H/8 from the border',
  params,
  shapeErrorCode: 'IMAGE_TOO_SMALL',
  examples: [{ inShape: [3, 64, 64] }, { inShape: [3, 48, 64] }, { inShape: [2, 9, 14], params: { size: 0.4, margin: 0.2 } }],
  checkShape: (inShape, p = DEFAULTS) => imageShapeIssue(inShape) ?? fitIssue(inShape[1], inShape[2], p),
  outShape: (inShape) => [...inShape],
  inShapeFor: (outShape) => [...outShape],
  userData: ['mask'],
  create(inShape, p, rng) {
    const [, h, w] = inShape;
    const box = randomBox(h, w, rng, p.size, p.margin);
    return maskOperator('inpaint-box', inShape, boxMask(h, w, box), box);
  },
  fromState(inShape, _p, state) {
    const [, h, w] = inShape;
    if (state.box) {
      const b: Box = state.box;
      const ok =
        [b.top, b.left, b.height, b.width].every(Number.isInteger) &&
        b.top >= 0 &&
        b.left >= 0 &&
        b.height >= 0 &&
        b.width >= 0 &&
        b.top + b.height <= h &&
        b.left + b.width <= w;
      if (!ok) {
        throw new SpgdError(
          'SHAPE_MISMATCH',
          `inpaint-box: box ${JSON.stringify(b)} does not fit a ${hw(inShape)} image`,
        );
      }
      return maskOperator('inpaint-box', inShape, boxMask(h, w, b), b);
    }
    const mask = expectStateTensor(state.mask, [h, w], 'inpaint-box', 'box or mask');
    if (mask.data.some((v) => v < 0 || v > 1)) {
      throw new SpgdError('BAD_INPUT', 'inpaint-box: mask values must be in [0, 1] (1 = observed, 0 = missing)');
    }
    return maskOperator('inpaint-box', inShape, mask.data);
  },
};
