/**
 * Spearman rank correlation, and the uncertainty map's agreement with the error it should
 * predict (the benchmarks' "does the std map know where it is wrong" number).
 */
import type { Tensor } from '../../lib/tensor';

/** Ranks 1..n, ties given their mean rank. */
function ranks(v: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(v.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Spearman's rho of two equally long samples (Pearson correlation of their ranks). */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length < 2) throw new RangeError(`spearman needs two samples of one length >= 2, got ${a.length} and ${b.length}`);
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length + 1) / 2;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < ra.length; i++) {
    const x = ra[i] - mean;
    const y = rb[i] - mean;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : NaN;
}

/** Per pixel: |estimate - truth| averaged over the channels, `[C, H, W]` -> `H * W` values. */
export function absErrorMap(estimate: Tensor, truth: Tensor): Float64Array {
  const [c, h, w] = estimate.shape;
  const plane = h * w;
  const out = new Float64Array(plane);
  for (let k = 0; k < c; k++) for (let p = 0; p < plane; p++) out[p] += Math.abs(estimate.data[k * plane + p] - truth.data[k * plane + p]) / c;
  return out;
}
