/**
 * x4 super-resolution (docs: spgd-algorithm.md section 6): the antialiased bicubic downsampler
 * by 4, `[C, H, W] -> [C, H/4, W/4]` (`super-resolution.ts`).
 *
 * @example
 * const op = createOperator('sr-x4', [3, 256, 256], {}, rng);
 * op.outShape; // [3, 64, 64]
 */
import { superResolution } from './super-resolution';

export const srX4 = superResolution('sr-x4', 4);
