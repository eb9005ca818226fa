/**
 * Inpainting masks `[H, W]` (1 = observed, 0 = missing), drawn from an explicit Rng.
 */
import type { Rng } from '../../rng';

/** Exactly floor(H*W*missing) missing pixels, chosen without replacement. */
export function randomMask(h: number, w: number, missing: number, rng: Rng): Float32Array {
  const n = h * w;
  const k = Math.floor(n * missing);
  const mask = new Float32Array(n).fill(1);
  const idx = rng.sampleWithoutReplacement(n, k);
  for (let i = 0; i < k; i++) mask[idx[i]] = 0;
  return mask;
}

export interface Box {
  top: number;
  left: number;
  height: number;
  width: number;
}

/**
 * A `floor(H*size) x floor(W*size)` box whose top-left corner is uniform over the integers
 * in [m, H - m - boxH] (rows, m = floor(H*margin)) and likewise for columns. The defaults give
 * the spec's H/2 x W/2 box with margin H/8 (128x128 in [32, 96] for 256x256).
 */
export function randomBox(h: number, w: number, rng: Rng, size = 0.5, margin = 0.125): Box {
  const height = Math.floor(h * size);
  const width = Math.floor(w * size);
  const mh = Math.floor(h * margin);
  const mw = Math.floor(w * margin);
  const maxTop = h - mh - height;
  const maxLeft = w - mw - width;
  if (height < 1 || width < 1 || maxTop < mh || maxLeft < mw) {
    throw new RangeError(`box ${height}x${width} with margin ${mh}x${mw} does not fit a ${h}x${w} image`);
  }
  const top = mh + rng.int(maxTop - mh + 1);
  const left = mw + rng.int(maxLeft - mw + 1);
  return { top, left, height, width };
}

export function boxMask(h: number, w: number, box: Box): Float32Array {
  const mask = new Float32Array(h * w).fill(1);
  for (let i = box.top; i < box.top + box.height; i++) mask.fill(0, i * w + box.left, i * w + box.left + box.width);
  return mask;
}
