/**
 * Direct (loop) 2-D valid cross-correlation and its adjoint: the slow, obviously-correct
 * reference the FFT and separable paths are tested against. Skips zero kernel taps, so it is
 * also usable for very sparse kernels.
 *
 *   out[i, j] = sum_{a<kh, b<kw} K[a, b] * x[i + a, j + b],  x `[outH+kh-1, outW+kw-1]`
 */
import type { FloatArray } from './banded';

export function correlateValidDirect(
  x: FloatArray,
  outH: number,
  outW: number,
  kernel: ArrayLike<number>,
  kh: number,
  kw: number,
  out: FloatArray,
): void {
  const inW = outW + kw - 1;
  const acc = new Float64Array(outH * outW);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const k = kernel[a * kw + b];
      if (k === 0) continue;
      for (let i = 0; i < outH; i++) {
        const s0 = (i + a) * inW + b;
        const d0 = i * outW;
        for (let j = 0; j < outW; j++) acc[d0 + j] += k * x[s0 + j];
      }
    }
  }
  for (let i = 0; i < acc.length; i++) out[i] = acc[i];
}

/** Adjoint of `correlateValidDirect`: y `[outH, outW]` -> x `[outH+kh-1, outW+kw-1]`. */
export function correlateValidDirectAdjoint(
  y: FloatArray,
  outH: number,
  outW: number,
  kernel: ArrayLike<number>,
  kh: number,
  kw: number,
  x: FloatArray,
): void {
  const inW = outW + kw - 1;
  const inH = outH + kh - 1;
  const acc = new Float64Array(inH * inW);
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const k = kernel[a * kw + b];
      if (k === 0) continue;
      for (let i = 0; i < outH; i++) {
        const d0 = (i + a) * inW + b;
        const s0 = i * outW;
        for (let j = 0; j < outW; j++) acc[d0 + j] += k * y[s0 + j];
      }
    }
  }
  for (let i = 0; i < acc.length; i++) x[i] = acc[i];
}
