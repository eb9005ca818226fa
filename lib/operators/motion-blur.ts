/**
 * Motion deblurring (docs: spgd-algorithm.md section 6).
 *
 *   (A x)_c = correlate(reflectpad_30(x_c), K),   K a random 61 x 61 camera-shake kernel
 *   (non-negative, sums to 1), `[C, H, W] -> [C, H, W]`, H, W >= 31.
 *
 * K comes from `gen/motion-kernel.ts` (the DPS `motionblur` trajectory generator, seeded by
 * the caller's Rng; larger `intensity` gives longer, more curved paths) and is the run's state.
 * Boundary handling is the Gaussian blur's (reflect without edge repeat, no kernel flip); K is
 * not separable, so forward and adjoint are FFT correlations over K's nonzero bounding box with
 * the kernel spectrum computed once per operator (`blur2d.ts`, `kernels/fft-correlate.ts`).
 *
 * @example
 * const op = createOperator('motion-blur', [3, 256, 256], { intensity: 0.5 }, new Rng(seed, 'operator'));
 * op.state.kernel; // [61, 61], store it with the run; operatorFromState(...) rebuilds op
 */
import { z } from 'zod';
import { tensor } from '../tensor';
import { blurOperator, blurSizeIssue } from './blur2d';
import { motionKernel } from './gen/motion-kernel';
import { expectStateTensor, imageShapeIssue } from './shape';
import type { OperatorDef } from './types';

const params = z.strictObject({
  kernelSize: z
    .number()
    .int()
    .min(1)
    .default(61)
    .refine((k) => k % 2 === 1, { message: 'kernelSize must be odd' })
    .describe('kernel window (odd); the image is reflect-padded by (kernelSize-1)/2'),
  intensity: z.number().min(0).max(1).default(0.5).describe('0 = short straight shake, 1 = long curved shake'),
});

export type MotionBlurParams = z.infer<typeof params>;

const DEFAULTS: MotionBlurParams = { kernelSize: 61, intensity: 0.5 };

export const motionBlur: OperatorDef<MotionBlurParams> = {
  id: 'motion-blur',
  description: 'Motion blur: random 61x61 camera-shake kernel (intensity 0.5), reflect padding, cross-correlation',
  params,
  shapeErrorCode: 'IMAGE_TOO_SMALL',
  examples: [{ inShape: [3, 64, 64] }, { inShape: [3, 48, 64] }, { inShape: [1, 31, 37] }],
  checkShape: (inShape, p = DEFAULTS) => imageShapeIssue(inShape) ?? blurSizeIssue('motion-blur', inShape, p.kernelSize),
  outShape: (inShape) => [...inShape],
  inShapeFor: (outShape) => [...outShape],
  userData: ['kernel'],
  create(inShape, p, rng) {
    const k = tensor([p.kernelSize, p.kernelSize], motionKernel(rng, p.kernelSize, p.intensity));
    return blurOperator('motion-blur', inShape, k);
  },
  fromState(inShape, p, state) {
    const k = expectStateTensor(state.kernel, [p.kernelSize, p.kernelSize], 'motion-blur', 'kernel');
    return blurOperator('motion-blur', inShape, k);
  },
};
