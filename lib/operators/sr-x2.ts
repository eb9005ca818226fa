/**
 * x2 super-resolution: the antialiased bicubic downsampler by 2, `[C, H, W] -> [C, H/2, W/2]`
 * (`super-resolution.ts`); the output of a restoration is twice the photo's size.
 *
 * @example
 * const op = createOperator('sr-x2', [3, 100, 74], {}, rng);
 * op.outShape; // [3, 50, 37]
 */
import { superResolution } from './super-resolution';

export const srX2 = superResolution('sr-x2', 2);
