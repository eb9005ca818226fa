/**
 * The noise level of a photo, without a clean reference: Donoho's median absolute deviation of
 * the finest-scale diagonal wavelet coefficients. For the orthonormal Haar transform the
 * diagonal detail of a 2x2 block [a b; c d] is (a - b - c + d) / 2, which removes constant
 * and linear (first-order) image content and keeps white noise of std sigma at std sigma; its
 * median absolute value is 0.6745 sigma, and the median ignores the few blocks edges and texture
 * light up. Channels are pooled.
 *
 *   sigma = median(|HH|) / 0.6745
 *
 * Returned on the scale of the tensor (sigma_y on [-1, 1] for engine images).
 */
import type { Tensor } from '../tensor';

/** Median absolute deviation to std for a Gaussian. */
const MAD_TO_STD = 0.6744897501960817;

export function estimateNoiseSigma(t: Tensor): number {
  const [c, h, w] = t.shape.length === 2 ? [1, t.shape[0], t.shape[1]] : t.shape;
  const bh = Math.floor(h / 2);
  const bw = Math.floor(w / 2);
  if (bh < 1 || bw < 1) return 0;
  const hh = new Float64Array(c * bh * bw);
  let n = 0;
  for (let k = 0; k < c; k++) {
    const off = k * h * w;
    for (let i = 0; i < bh; i++) {
      for (let j = 0; j < bw; j++) {
        const p = off + 2 * i * w + 2 * j;
        const d = t.data;
        hh[n++] = Math.abs(d[p] - d[p + 1] - d[p + w] + d[p + w + 1]) / 2;
      }
    }
  }
  hh.sort();
  const mid = hh.length >> 1;
  const median = hh.length % 2 ? hh[mid] : (hh[mid - 1] + hh[mid]) / 2;
  return median / MAD_TO_STD;
}
