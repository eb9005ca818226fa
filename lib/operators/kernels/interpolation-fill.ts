/**
 * Interpolation fill of missing pixels, the classical estimate for inpainting: observed pixels
 * kept, missing ones filled by normalised Gaussian convolution at growing scales
 * (blur(y m) / blur(m), std 1, 2, 4, ...), then smoothed by harmonic (Laplace) relaxation.
 */
import { gaussianTaps1d } from '../gen/gaussian-kernel';
import type { Tensor } from '../../tensor';
import { applySeparablePlan, separablePlan } from './separable-correlate';

/** Normalised-convolution fill plus harmonic relaxation of the missing pixels. */
export function interpolationFill(y: Tensor, mask: Tensor, sweeps: number): Tensor {
  const [c, h, w] = y.shape;
  const hw = h * w;
  const m = mask.data;
  const x = Float32Array.from(y.data);
  const filled = Uint8Array.from(m, (v) => (v > 0.5 ? 1 : 0));
  // Coarse fill: at growing scales, blur(y * m) / blur(m) for pixels still unfilled.
  for (let std = 1; filled.includes(0) && std <= Math.max(h, w); std *= 2) {
    const taps = gaussianTaps1d(std, Math.min(Math.ceil(3 * std), Math.floor((Math.min(h, w) - 1) / 2)));
    const r = (taps.length - 1) / 2;
    const plan = separablePlan(c + 1, h, w, taps, r, taps, r);
    const src = new Float32Array((c + 1) * hw);
    for (let k = 0; k < c; k++) for (let p = 0; p < hw; p++) src[k * hw + p] = m[p] > 0.5 ? y.data[k * hw + p] : 0;
    for (let p = 0; p < hw; p++) src[c * hw + p] = m[p] > 0.5 ? 1 : 0;
    const dst = new Float32Array((c + 1) * hw);
    applySeparablePlan(plan, src, dst, false);
    for (let p = 0; p < hw; p++) {
      if (filled[p] || dst[c * hw + p] < 1e-3) continue;
      for (let k = 0; k < c; k++) x[k * hw + p] = dst[k * hw + p] / dst[c * hw + p];
      filled[p] = 1;
    }
  }
  // Harmonic relaxation (Gauss-Seidel on the 4-neighbour Laplacian) of the missing pixels only.
  for (let s = 0; s < sweeps; s++) {
    for (let k = 0; k < c; k++) {
      const off = k * hw;
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          const p = i * w + j;
          if (m[p] > 0.5) continue;
          let sum = 0;
          let n = 0;
          for (const [ok, q] of [
            [i > 0, p - w],
            [i < h - 1, p + w],
            [j > 0, p - 1],
            [j < w - 1, p + 1],
          ] as const) {
            if (!ok) continue;
            sum += x[off + q];
            n++;
          }
          x[off + p] = sum / n;
        }
    }
  }
  return { shape: [c, h, w], data: x };
}
