/**
 * Boundary extensions as index maps, plus the padding gather and its exact adjoint (fold).
 *
 * - `reflectIndex`: reflection **without** edge repeat (numpy `reflect`, scipy.ndimage
 *   `mirror`): -k -> k, (n-1)+k -> (n-1)-k. Used by both blurs (pad 30).
 * - `symmetricIndex`: half-sample symmetric **with** edge repeat (numpy `symmetric`,
 *   MATLAB imresize): -1 -> 0, -k -> k-1, n -> n-1. Used by the bicubic downsampler.
 *
 * Both repeat periodically, so any integer maps into 0..n-1 (padding wider than the image
 * reflects again, like numpy).
 *
 * Padding is `dst[r, c] = src[rowMap[r], colMap[c]]`; its adjoint adds every padded value back
 * into the pixel it was copied from (`foldWindow2d`), so the padded border is folded back.
 */
import type { FloatArray } from './banded';

export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - k;
}

export function symmetricIndex(i: number, n: number): number {
  const period = 2 * n;
  let k = i % period;
  if (k < 0) k += period;
  return k < n ? k : period - 1 - k;
}

/** Index map for the window lo..hi (inclusive) of an axis of length n, extended by reflection. */
export function reflectWindow(n: number, lo: number, hi: number): Int32Array {
  const map = new Int32Array(hi - lo + 1);
  for (let i = lo; i <= hi; i++) map[i - lo] = reflectIndex(i, n);
  return map;
}

/**
 * dst[r, c] = src[srcOff + rowMap[r] * srcW + colMap[c]] for r < rowMap.length, c < colMap.length.
 */
export function gatherWindow2d(
  src: FloatArray,
  srcOff: number,
  srcW: number,
  rowMap: Int32Array,
  colMap: Int32Array,
  dst: FloatArray,
): void {
  const wh = rowMap.length;
  const ww = colMap.length;
  for (let r = 0; r < wh; r++) {
    const s0 = srcOff + rowMap[r] * srcW;
    const d0 = r * ww;
    for (let c = 0; c < ww; c++) dst[d0 + c] = src[s0 + colMap[c]];
  }
}

/**
 * Adjoint of `gatherWindow2d`: dst[dstOff + rowMap[r] * dstW + colMap[c]] += src[r, c].
 * The caller zeroes dst first.
 */
export function foldWindow2d(
  src: FloatArray,
  rowMap: Int32Array,
  colMap: Int32Array,
  dst: FloatArray,
  dstOff: number,
  dstW: number,
): void {
  const wh = rowMap.length;
  const ww = colMap.length;
  for (let r = 0; r < wh; r++) {
    const d0 = dstOff + rowMap[r] * dstW;
    const s0 = r * ww;
    for (let c = 0; c < ww; c++) dst[d0 + colMap[c]] += src[s0 + c];
  }
}

/** Reflect-pads every channel of `[C, H, W]` by `pad` (no edge repeat): `[C, H+2p, W+2p]`. */
export function reflectPad2d(src: Float32Array, c: number, h: number, w: number, pad: number): Float32Array {
  const rowMap = reflectWindow(h, -pad, h - 1 + pad);
  const colMap = reflectWindow(w, -pad, w - 1 + pad);
  const hp = h + 2 * pad;
  const wp = w + 2 * pad;
  const out = new Float32Array(c * hp * wp);
  for (let ch = 0; ch < c; ch++) {
    gatherWindow2d(src, ch * h * w, w, rowMap, colMap, out.subarray(ch * hp * wp, (ch + 1) * hp * wp));
  }
  return out;
}

/** Adjoint of `reflectPad2d`: folds `[C, H+2p, W+2p]` back onto `[C, H, W]`. */
export function foldReflectPad2d(src: Float32Array, c: number, h: number, w: number, pad: number): Float32Array {
  const rowMap = reflectWindow(h, -pad, h - 1 + pad);
  const colMap = reflectWindow(w, -pad, w - 1 + pad);
  const hp = h + 2 * pad;
  const wp = w + 2 * pad;
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) {
    foldWindow2d(src.subarray(ch * hp * wp, (ch + 1) * hp * wp), rowMap, colMap, out, ch * h * w, w);
  }
  return out;
}
