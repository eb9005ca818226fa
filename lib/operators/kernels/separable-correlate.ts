/**
 * Separable "reflect-pad then cross-correlate" for rank-one kernels K = u v^T, and its exact
 * adjoint, on `[C, H, W]` data.
 *
 * Along one axis of length n, with the nonzero taps t = 0..L-1 of a 1-D kernel at offsets
 * lo + t from the output pixel (lo = first nonzero index - centre):
 *
 *   forward   out[i] = sum_t taps[t] * x[reflect(i + lo + t)]                 i < n
 *   adjoint   z[k]   = sum_t taps[t] * y[k - t]   (y zero outside 0..n-1)     k < n + L - 1
 *             x[reflect(lo + k)] += z[k]                                      (fold the border back)
 *
 * i.e. pad by reflection and correlate; the adjoint correlates the zero-padded y with the
 * reversed taps and folds the padded border back onto the pixels it was copied from. Only the
 * nonzero taps are used (a std-3 Gaussian in a 61-tap window has 25).
 *
 * Both passes run the same contiguous 1-D kernel (`toeplitz`: four outputs per step sharing a
 * sliding window of loads), which is about twice as fast in V8 as combining strided rows: the
 * W pass writes its result transposed into a float64 scratch of padded columns (each row lands
 * at the padded positions that reflect onto it), so the H pass reads every column as one
 * contiguous, already padded line and writes the output back transposed. Both transposed
 * accesses touch one cache line per column and stay in L1.
 */
import { reflectWindow } from './reflect-pad';
import type { FloatArray } from './banded';

export interface Correlate1dPlan {
  readonly n: number;
  /** Nonzero span of the 1-D kernel. */
  readonly taps: Float64Array;
  /** taps reversed (the adjoint's kernel). */
  readonly rev: Float64Array;
  /** Offset of taps[0] relative to the output pixel. */
  readonly lo: number;
  /** reflect(lo + k) for k < n + L - 1: source of each padded sample. */
  readonly map: Int32Array;
}

/** Plan for "reflect-pad, correlate with `taps` centred at index `centre`" on an axis of length n. */
function correlate1dPlan(n: number, taps: ArrayLike<number>, centre = (taps.length - 1) / 2): Correlate1dPlan {
  let a0 = 0;
  let a1 = taps.length - 1;
  while (a0 < a1 && taps[a0] === 0) a0++;
  while (a1 > a0 && taps[a1] === 0) a1--;
  const t = Float64Array.from({ length: a1 - a0 + 1 }, (_, i) => taps[a0 + i]);
  const lo = a0 - centre;
  return { n, taps: t, rev: t.slice().reverse(), lo, map: reflectWindow(n, lo, n - 1 + lo + t.length - 1) };
}

/** out[i] = sum_t taps[t] * buf[off + i + t] for i < count (four outputs per step). */
function toeplitz(buf: Float64Array, off: number, taps: Float64Array, count: number, out: Float64Array): void {
  const len = taps.length;
  let i = 0;
  for (; i + 3 < count; i += 4) {
    const b = off + i;
    let x0 = buf[b];
    let x1 = buf[b + 1];
    let x2 = buf[b + 2];
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let t = 0; t < len; t++) {
      const w = taps[t];
      const x3 = buf[b + t + 3];
      a0 += w * x0;
      a1 += w * x1;
      a2 += w * x2;
      a3 += w * x3;
      x0 = x1;
      x1 = x2;
      x2 = x3;
    }
    out[i] = a0;
    out[i + 1] = a1;
    out[i + 2] = a2;
    out[i + 3] = a3;
  }
  for (; i < count; i++) {
    let a = 0;
    for (let t = 0; t < len; t++) a += taps[t] * buf[off + i + t];
    out[i] = a;
  }
}

/** A reusable 2-D plan: `Y_c = Mh X_c Mw^T` per channel, with its buffers. */
export interface SeparablePlan {
  readonly channels: number;
  readonly ph: Correlate1dPlan;
  readonly pw: Correlate1dPlan;
  /** Scratch `[C, W, stride]`: column j of channel c holds the padded H line. */
  readonly cols: Float64Array;
  /** Column stride: at least H + 2 (Lh - 1) (the adjoint's zero padding), see separablePlan. */
  readonly stride: number;
  /** For each row i, the forward-padded column positions k with reflect(lo + k) = i. */
  readonly invStart: Int32Array;
  readonly invPos: Int32Array;
  readonly lineIn: Float64Array;
  readonly lineOut: Float64Array;
  readonly fold: Float64Array;
}

/**
 * Plan for a rank-one kernel `u v^T` (u along H with centre index cu, v along W with centre cv)
 * on `[channels, h, w]`.
 */
export function separablePlan(
  channels: number,
  h: number,
  w: number,
  u: ArrayLike<number>,
  cu: number,
  v: ArrayLike<number>,
  cv: number,
): SeparablePlan {
  const ph = correlate1dPlan(h, u, cu);
  const pw = correlate1dPlan(w, v, cv);
  const lh = ph.taps.length;
  const lw = pw.taps.length;
  // Padded column length, rounded up to an odd number of 64-byte cache lines: the transposed
  // writes touch one line per column, and an even line stride would fold them onto half (or
  // fewer) of the L1 sets (measured ~1.5x slower at 256x256).
  let stride = h + 2 * (lh - 1);
  while (stride % 16 !== 8) stride++;
  const lists: number[][] = Array.from({ length: h }, () => []);
  ph.map.forEach((row, k) => lists[row].push(k));
  const invStart = new Int32Array(h + 1);
  for (let i = 0; i < h; i++) invStart[i + 1] = invStart[i] + lists[i].length;
  const invPos = Int32Array.from(lists.flat());
  const line = Math.max(w + 2 * (lw - 1), h + 2 * (lh - 1));
  return {
    channels,
    ph,
    pw,
    cols: new Float64Array(channels * w * stride),
    stride,
    invStart,
    invPos,
    lineIn: new Float64Array(line),
    lineOut: new Float64Array(line),
    fold: new Float64Array(Math.max(w, h)),
  };
}

function forwardPlan(p: SeparablePlan, src: FloatArray, dst: FloatArray): void {
  const { channels, ph, pw, cols, stride, invStart, invPos, lineIn, lineOut } = p;
  const h = ph.n;
  const w = pw.n;
  const span = w + pw.taps.length - 1;
  const map = pw.map;
  for (let c = 0; c < channels; c++) {
    const cb = c * w * stride;
    // W pass: reflect-gathered row -> correlate -> scatter into the columns' padded positions.
    for (let i = 0; i < h; i++) {
      const s0 = (c * h + i) * w;
      for (let k = 0; k < span; k++) lineIn[k] = src[s0 + map[k]];
      toeplitz(lineIn, 0, pw.taps, w, lineOut);
      for (let q = invStart[i]; q < invStart[i + 1]; q++) {
        const k = cb + invPos[q];
        for (let j = 0; j < w; j++) cols[k + j * stride] = lineOut[j];
      }
    }
    // H pass: every column is a contiguous padded line.
    const d0 = c * h * w;
    for (let j = 0; j < w; j++) {
      toeplitz(cols, cb + j * stride, ph.taps, h, lineOut);
      for (let i = 0; i < h; i++) dst[d0 + i * w + j] = lineOut[i];
    }
  }
}

function adjointPlan(p: SeparablePlan, src: FloatArray, dst: FloatArray): void {
  const { channels, ph, pw, cols, stride, lineIn, lineOut, fold } = p;
  const h = ph.n;
  const w = pw.n;
  const lh = ph.taps.length;
  const lw = pw.taps.length;
  const spanW = w + lw - 1;
  const spanH = h + lh - 1;
  lineIn.fill(0);
  for (let c = 0; c < channels; c++) {
    const cb = c * w * stride;
    // W pass: zero-padded row -> reversed taps -> fold -> column position lh-1+i.
    for (let i = 0; i < h; i++) {
      const s0 = (c * h + i) * w;
      for (let j = 0; j < w; j++) lineIn[lw - 1 + j] = src[s0 + j];
      toeplitz(lineIn, 0, pw.rev, spanW, lineOut);
      fold.fill(0, 0, w);
      for (let k = 0; k < spanW; k++) fold[pw.map[k]] += lineOut[k];
      const k0 = cb + lh - 1 + i;
      for (let j = 0; j < w; j++) cols[k0 + j * stride] = fold[j];
    }
    // H pass: zero the padding of each column, reversed taps, fold back, write transposed.
    const d0 = c * h * w;
    for (let j = 0; j < w; j++) {
      const off = cb + j * stride;
      cols.fill(0, off, off + lh - 1);
      cols.fill(0, off + lh - 1 + h, off + stride);
      toeplitz(cols, off, ph.rev, spanH, lineOut);
      fold.fill(0, 0, h);
      for (let k = 0; k < spanH; k++) fold[ph.map[k]] += lineOut[k];
      for (let i = 0; i < h; i++) dst[d0 + i * w + j] = fold[i];
    }
  }
}

/** Forward (`adjoint` false) or adjoint of the plan: src and dst are `[C, H, W]`, not aliased. */
export function applySeparablePlan(p: SeparablePlan, src: FloatArray, dst: FloatArray, adjoint: boolean): void {
  if (adjoint) adjointPlan(p, src, dst);
  else forwardPlan(p, src, dst);
}

/**
 * Splits a 2-D kernel (`kh x kw`, row-major) into `u v^T` when it is rank one to within
 * `relTol` (max abs error relative to max |K|); returns null otherwise.
 */
export function factorSeparable(
  kernel: ArrayLike<number>,
  kh: number,
  kw: number,
  relTol = 1e-6,
): { u: Float64Array; v: Float64Array } | null {
  let bi = 0;
  let bj = 0;
  let best = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const a = Math.abs(kernel[i * kw + j]);
      if (a > best) {
        best = a;
        bi = i;
        bj = j;
      }
    }
  }
  if (best === 0) return null;
  const pivot = kernel[bi * kw + bj];
  const u = new Float64Array(kh);
  const v = new Float64Array(kw);
  for (let i = 0; i < kh; i++) u[i] = kernel[i * kw + bj];
  for (let j = 0; j < kw; j++) v[j] = kernel[bi * kw + j] / pivot;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      if (Math.abs(kernel[i * kw + j] - u[i] * v[j]) > relTol * best) return null;
    }
  }
  return { u, v };
}
