/**
 * Banded matrices and their application along one axis of a `[C, N, M]` array.
 *
 * The bicubic x4 downsampler is `Y_c = Wh X_c Ww^T` per channel with 16-tap banded (H/4) x H
 * matrices, and its adjoint is `X_c = Wh^T Y_c Ww`. A `BandedMatrix` stores row i as `width`
 * coefficients starting at column `start[i]` (boundary rows are zero-padded to the common
 * width), so applying it costs `rows * width` multiply-adds per line and the transpose is just
 * another banded matrix.
 */

export type FloatArray = Float32Array | Float64Array;

export interface BandedMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Coefficients stored per row (the widest row's extent). */
  readonly width: number;
  /** First column of each row's window. */
  readonly start: Int32Array;
  /** `rows * width` coefficients, row-major: entry (i, start[i] + t) is weights[i * width + t]. */
  readonly weights: Float64Array;
}

/**
 * Builds a banded matrix from per-row entries; `fill(i, add)` calls `add(col, w)` for row i.
 * Repeated columns accumulate (this is how folded boundary taps add up).
 */
export function bandedFromRows(
  rows: number,
  cols: number,
  fill: (row: number, add: (col: number, w: number) => void) => void,
): BandedMatrix {
  const perRow: Map<number, number>[] = [];
  for (let i = 0; i < rows; i++) {
    const m = new Map<number, number>();
    fill(i, (col, w) => {
      if (!Number.isInteger(col) || col < 0 || col >= cols) {
        throw new RangeError(`banded matrix: row ${i} column ${col} is outside 0..${cols - 1}`);
      }
      m.set(col, (m.get(col) ?? 0) + w);
    });
    perRow.push(m);
  }
  return compress(rows, cols, perRow);
}

function compress(rows: number, cols: number, perRow: Map<number, number>[]): BandedMatrix {
  let width = 1;
  const lo = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let mn = Infinity;
    let mx = -Infinity;
    for (const [c, w] of perRow[i]) {
      if (w === 0) continue;
      if (c < mn) mn = c;
      if (c > mx) mx = c;
    }
    lo[i] = mn === Infinity ? 0 : mn;
    if (mn !== Infinity) width = Math.max(width, mx - mn + 1);
  }
  width = Math.min(width, cols);
  const start = new Int32Array(rows);
  const weights = new Float64Array(rows * width);
  for (let i = 0; i < rows; i++) {
    const s = Math.max(0, Math.min(lo[i], cols - width));
    start[i] = s;
    for (const [c, w] of perRow[i]) {
      if (w !== 0) weights[i * width + (c - s)] += w;
    }
  }
  return { rows, cols, width, start, weights };
}

/** The exact transpose, again banded. */
export function transposeBanded(m: BandedMatrix): BandedMatrix {
  const perRow: Map<number, number>[] = [];
  for (let j = 0; j < m.cols; j++) perRow.push(new Map());
  for (let i = 0; i < m.rows; i++) {
    for (let t = 0; t < m.width; t++) {
      const w = m.weights[i * m.width + t];
      if (w !== 0) {
        const row = perRow[m.start[i] + t];
        row.set(i, (row.get(i) ?? 0) + w);
      }
    }
  }
  return compress(m.cols, m.rows, perRow);
}

/** Dense row-major copy (tests and small eigenproblems). */
export function bandedToDense(m: BandedMatrix): Float64Array {
  const d = new Float64Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let t = 0; t < m.width; t++) d[i * m.cols + m.start[i] + t] += m.weights[i * m.width + t];
  }
  return d;
}

/**
 * dst[o, i] = sum_t M[i, start[i] + t] * src[o, start[i] + t] for `outer` contiguous lines:
 * src is `[outer, M.cols]`, dst is `[outer, M.rows]`.
 */
export function applyBandedLastAxis(src: FloatArray, outer: number, m: BandedMatrix, dst: FloatArray): void {
  const { rows, cols, width, start, weights } = m;
  for (let o = 0; o < outer; o++) {
    const sOff = o * cols;
    const dOff = o * rows;
    for (let i = 0; i < rows; i++) {
      const s0 = sOff + start[i];
      const w0 = i * width;
      let acc = 0;
      for (let t = 0; t < width; t++) acc += weights[w0 + t] * src[s0 + t];
      dst[dOff + i] = acc;
    }
  }
}

/**
 * Applies M along the middle axis: src is `[outer, M.cols, inner]`, dst is `[outer, M.rows, inner]`.
 * Rows are combined as whole contiguous lines (axpy over `inner`), accumulated in float64.
 */
export function applyBandedMiddleAxis(
  src: FloatArray,
  outer: number,
  inner: number,
  m: BandedMatrix,
  dst: FloatArray,
  acc: Float64Array = new Float64Array(inner),
): void {
  const { rows, cols, width, start, weights } = m;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < rows; i++) {
      acc.fill(0, 0, inner);
      for (let t = 0; t < width; t++) {
        const w = weights[i * width + t];
        if (w === 0) continue;
        const s0 = (o * cols + start[i] + t) * inner;
        for (let j = 0; j < inner; j++) acc[j] += w * src[s0 + j];
      }
      const d0 = (o * rows + i) * inner;
      for (let j = 0; j < inner; j++) dst[d0 + j] = acc[j];
    }
  }
}

/**
 * Y_c = Mh X_c Mw^T for every channel: src `[C, Mh.cols, Mw.cols]` -> dst `[C, Mh.rows, Mw.rows]`.
 * `scratch` (length C * Mh.cols * Mw.rows) may be passed to avoid an allocation.
 */
export function applySeparable(
  src: FloatArray,
  channels: number,
  mh: BandedMatrix,
  mw: BandedMatrix,
  dst: FloatArray,
  scratch?: FloatArray,
): void {
  const need = channels * mh.cols * mw.rows;
  const tmp = scratch && scratch.length >= need ? scratch : new Float64Array(need);
  applyBandedLastAxis(src, channels * mh.cols, mw, tmp);
  applyBandedMiddleAxis(tmp, channels, mw.rows, mh, dst);
}
