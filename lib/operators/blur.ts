/**
 * Deblurring with the user's own kernel: measured, estimated, or built from a few numbers
 * (the Blur kernel node's Gaussian or straight motion).
 *
 *   (A x)_c = correlate(reflectpad(x_c, (k-1)/2), K),   K `[kh, kw]` odd, non-negative, sums to 1
 *
 * Any odd kernel up to 127 px a side (`user-data.ts` brings uploads into that form). Boundary and
 * implementation are the Gaussian blur's (`blur2d.ts`): separable passes for rank-one kernels,
 * FFT correlation otherwise; the image must be larger than half the kernel on each side. Without a
 * kernel the operator cannot be built and says so.
 *
 * @example
 * const op = operatorFromState('blur', [3, 120, 160], {}, { kernel: lineMotionKernel(9, 30) });
 */
import { z } from 'zod';
import { SpgdError } from '../errors';
import { blurOperator, blurSizeIssue } from './blur2d';
import { gaussianKernel, lineMotionKernel } from './gen/parametric-kernel';
import { imageShapeIssue } from './shape';
import type { OperatorDef } from './types';
import { kernelFromArray } from './user-data';

const params = z.strictObject({});

export type BlurParams = z.infer<typeof params>;

export const blur: OperatorDef<BlurParams> = {
  id: 'blur',
  description: 'Deblurring with your own kernel (odd sizes up to 127 px): uploaded, or a Gaussian / straight motion from the Blur kernel node',
  params,
  shapeErrorCode: 'IMAGE_TOO_SMALL',
  examples: [
    { inShape: [3, 24, 24], state: { kernel: gaussianKernel(1.2) } },
    { inShape: [3, 20, 27], state: { kernel: lineMotionKernel(7, 30) } },
  ],
  checkShape: (inShape) => imageShapeIssue(inShape),
  outShape: (inShape) => [...inShape],
  inShapeFor: (outShape) => [...outShape],
  userData: ['kernel'],
  requires: 'kernel',
  create() {
    throw new SpgdError('BAD_INPUT', 'blur needs a kernel: wire a Load kernel or Blur kernel node into the Degrade operator');
  },
  fromState(inShape, _p, state) {
    if (!state.kernel) throw new SpgdError('BAD_INPUT', 'blur: the stored state has no kernel');
    const kernel = kernelFromArray(state.kernel);
    const tooSmall = blurSizeIssue('blur', inShape, Math.max(...kernel.shape));
    if (tooSmall) throw new SpgdError('IMAGE_TOO_SMALL', tooSmall);
    return blurOperator('blur', inShape, kernel);
  },
};
