/**
 * Gaussian deblurring (docs: spgd-algorithm.md section 6).
 *
 *   (A x)_c = correlate(reflectpad_30(x_c), K),   K = g g^T (61 x 61),
 *   g[a] = exp(-a^2 / (2 std^2)) / sum for a in [-r, r], r = int(4 std + 0.5) (12 for std 3),
 *   zero outside radius r.   `[C, H, W] -> [C, H, W]`
 *
 * Reflection is without edge repeat (-k -> k), so H, W >= 31. The adjoint correlates the
 * zero-padded y with the rotated kernel and folds the border back. The kernel is rank one, so
 * both are two banded 1-D passes over the 25 nonzero taps (`blur2d.ts`). The 61x61 kernel is the
 * state (it is deterministic; storing it lets a run be replayed without the params). For std 3
 * its 1-D centre weight is 0.1329845 and the 2-D centre K[30, 30] = 0.0176849.
 *
 * @example
 * const op = createOperator('gaussian-blur', [3, 256, 256], { std: 3 }, rng);
 * const y = simulateMeasurement(op, x, 0.05, new Rng(seed, 'measurement'));
 */
import { z } from 'zod';
import { tensor } from '../tensor';
import { blurOperator, blurSizeIssue } from './blur2d';
import { gaussianKernel2d, gaussianRadius } from './gen/gaussian-kernel';
import { expectStateTensor, imageShapeIssue } from './shape';
import type { OperatorDef } from './types';

const params = z
  .strictObject({
    kernelSize: z
      .number()
      .int()
      .min(1)
      .default(61)
      .refine((k) => k % 2 === 1, { message: 'kernelSize must be odd' })
      .describe('kernel window (odd); the image is reflect-padded by (kernelSize-1)/2'),
    std: z.number().gt(0).default(3).describe('standard deviation in pixels'),
  })
  .refine((p) => 2 * gaussianRadius(p.std) + 1 <= p.kernelSize, {
    message: 'the Gaussian (radius int(4*std + 0.5)) must fit inside kernelSize',
  });

export type GaussianBlurParams = z.infer<typeof params>;

const DEFAULTS: GaussianBlurParams = { kernelSize: 61, std: 3 };

/** Deterministic: the kernel follows from the params (no rng draw). */
function fromParams(inShape: readonly number[], p: GaussianBlurParams) {
  const k = tensor([p.kernelSize, p.kernelSize], gaussianKernel2d(p.kernelSize, p.std));
  return blurOperator('gaussian-blur', inShape, k);
}

export const gaussianBlur: OperatorDef<GaussianBlurParams> = {
  id: 'gaussian-blur',
  description: 'Gaussian blur: 61x61 kernel, std 3, reflect padding, per-channel cross-correlation',
  params,
  shapeErrorCode: 'IMAGE_TOO_SMALL',
  examples: [{ inShape: [3, 64, 64] }, { inShape: [3, 48, 64] }, { inShape: [1, 31, 40] }],
  checkShape: (inShape, p = DEFAULTS) => imageShapeIssue(inShape) ?? blurSizeIssue('gaussian-blur', inShape, p.kernelSize),
  outShape: (inShape) => [...inShape],
  inShapeFor: (outShape) => [...outShape],
  userData: ['kernel'],
  create: (inShape, p) => fromParams(inShape, p),
  fromState(inShape, p, state) {
    // The Gaussian is deterministic: without a stored kernel the params rebuild it.
    if (!state.kernel) return fromParams(inShape, p);
    const k = expectStateTensor(state.kernel, [p.kernelSize, p.kernelSize], 'gaussian-blur', 'kernel');
    return blurOperator('gaussian-blur', inShape, k);
  },
};
