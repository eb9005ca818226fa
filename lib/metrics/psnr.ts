/**
 * Peak signal-to-noise ratio (docs: spgd-algorithm.md section 7).
 *
 * Both tensors are mapped from [-1, 1] to [0, 1] and clipped, u = clip((x + 1) / 2, 0, 1);
 * then, per image, `PSNR = 10 log10(1 / MSE)` with data range 1 and the MSE over every
 * element (all channels), accumulated in float64 -- the same number as
 * `skimage.metrics.peak_signal_noise_ratio(u_ref, u_x, data_range=1)` on float64 input.
 * Identical images give `Infinity`; a batch `[B, C, H, W]` gives the mean over images.
 *
 * @example
 * psnr(restored, groundTruth);   // e.g. 28.41 (dB)
 */
import type { Tensor } from '../tensor';
import { imagePairs, unit } from './pairs';

export function psnr(x: Tensor, ref: Tensor): number {
  const { count, channels, height, width } = imagePairs(x, ref, 'psnr');
  const size = channels * height * width;
  let total = 0;
  for (let b = 0; b < count; b++) {
    let sse = 0;
    for (let i = b * size; i < (b + 1) * size; i++) {
      const d = unit(x.data[i]) - unit(ref.data[i]);
      sse += d * d;
    }
    const mse = sse / size;
    total += mse === 0 ? Infinity : 10 * Math.log10(1 / mse);
  }
  return total / count;
}
