/**
 * Fourier preconditioner for the blur normal equations (A^T A + rho I) x = b.
 *
 *   M^-1 v = W P^T F^-1 [ G F(P W v) ],   G = 1 / (|K^|^2 + rho)        per channel plane
 *
 * P extends an H x W plane onto a periodic nh x nw grid, P^T folds the grid back (adds every
 * grid sample into the pixel it came from) and W = (P^T P)^-1 is diagonal. G is real, positive
 * and even, so F^-1 G F is symmetric positive definite, and so is W P^T (.) P W for any
 * injective P: PCG stays valid whatever the boundary model, which only decides how many
 * iterations it saves. |K^|^2 ignores where K sits on the grid (a shift only changes the
 * phase), so K goes in the corner, wrapped modulo the grid if it is wider.
 *
 * - 'reflect': P is A's own reflection (no edge repeat) over one full period, nh = 2H - 2,
 *   nw = 2W - 2 exactly (any length, `bluestein.ts`). For a kernel symmetric in each axis A
 *   maps reflections to reflections (the DCT-I picture of reflective boundaries), and
 *   W P^T G P W is then (A^T A + rho I)^-1 up to a constant factor, except on the one-pixel
 *   frame where P^T P is 1 instead of 2 per axis: PCG needs a handful of iterations at any
 *   rho. The grid must be exactly one period: a seam of two extra samples (510 -> 512) cost
 *   40x more iterations at rho = 1e-4. P's range is even in each axis, so only G's average
 *   over the axis flips acts; G is averaged accordingly, which makes grid columns k and
 *   nw - k equal (half the column FFTs).
 * - 'zero': P zero-pads into nh >= H + kh - 1 (no wrap-around), W = I: a cheap grid that
 *   gets the interior right for any kernel but models the border as free instead of
 *   reflected. For a 61 px kernel on a 256 px image that band is most of the image and small
 *   rho magnifies the mismatch; for motion kernels it saved no time (`blur2d.ts` picks).
 *
 * Two real channel planes are transformed as one complex plane (re = channel a, im = channel
 * b): G is real and exactly even, so F^-1 G F maps real planes to real planes and the channels
 * do not mix. Grid rows copied from one image row share one row FFT, and the fold sums their
 * spectra before one inverse row FFT, so row FFTs cost 2H per plane pair. The spectrum is
 * column-major so column FFTs read contiguous memory. The inverse is the forward FFT read in
 * reversed order, with 1/(nh nw) folded into G (as in `fft-correlate.ts`).
 */
import { fftOfLength, type Fft1d } from './bluestein';
import { goodFftSize } from './fft';
import { reflectIndex } from './reflect-pad';

export type PreconditionerBoundary = 'reflect' | 'zero';

/** Image rows per block in the row passes (column-major spectrum reads/writes in runs). */
const ROW_BLOCK = 16;

export interface CirculantPreconditionerOptions {
  /** Default 'reflect'. */
  boundary?: PreconditionerBoundary;
  /** 'zero' grid sizes restricted to powers of two (benchmark comparison). */
  pow2Only?: boolean;
}

/** One grid axis: grid index -> source pixel (-1: zero), the inverse lists and W's factor. */
interface AxisMap {
  n: number;
  src: Int32Array;
  /** Grid indices per pixel, CSR: idx[start[i] .. start[i + 1]). */
  start: Int32Array;
  idx: Int32Array;
  /** 1 / (number of grid samples copied from each pixel). */
  weight: Float64Array;
}

function axisMap(len: number, taps: number, boundary: PreconditionerBoundary, pow2Only?: boolean): AxisMap {
  const n = boundary === 'reflect' ? Math.max(2 * len - 2, 1) : goodFftSize(len + taps - 1, pow2Only);
  const src = new Int32Array(n);
  for (let j = 0; j < n; j++) src[j] = boundary === 'reflect' ? reflectIndex(j, len) : j < len ? j : -1;
  const start = new Int32Array(len + 1);
  for (let j = 0; j < n; j++) if (src[j] >= 0) start[src[j] + 1]++;
  for (let i = 0; i < len; i++) start[i + 1] += start[i];
  const idx = new Int32Array(start[len]);
  const fill = start.slice(0, len);
  for (let j = 0; j < n; j++) if (src[j] >= 0) idx[fill[src[j]]++] = j;
  const weight = new Float64Array(len);
  for (let i = 0; i < len; i++) weight[i] = 1 / (start[i + 1] - start[i]);
  return { n, src, start, idx, weight };
}

export class CirculantNormalPreconditioner {
  readonly boundary: PreconditionerBoundary;
  readonly nh: number;
  readonly nw: number;
  private readonly rowMap: AxisMap;
  private readonly colMap: AxisMap;
  /** Grid columns transformed: nw/2 + 1 for 'reflect' (the rest mirror them), else nw. */
  private readonly nc: number;
  private readonly rowFft: Fft1d;
  private readonly colFft: Fft1d;
  /** |K^|^2, column-major [nc][nh]. */
  private readonly power: Float64Array;
  /** Column-major complex [nc][nh] work plane, shared by every apply (calls are synchronous). */
  private readonly spec: Float64Array;
  private readonly cols: Float64Array[];
  private readonly rowIn: Float64Array;
  private readonly rowOut: Float64Array;
  private readonly colTmp: Float64Array;
  /** W (v_a + i v_b) for one plane pair, interleaved. */
  private readonly scaled: Float64Array;
  /** ROW_BLOCK row spectra (complex, length nw each) and views of them. */
  private readonly block: Float64Array;
  private readonly blockRows: Float64Array[];

  /**
   * `kernel` is `[kh, kw]` row-major, best trimmed to its nonzero bounding box (a smaller
   * 'zero' grid); vectors are `c` planes of `h x w`.
   */
  constructor(
    readonly c: number,
    readonly h: number,
    readonly w: number,
    kernel: ArrayLike<number>,
    kh: number,
    kw: number,
    opts: CirculantPreconditionerOptions = {},
  ) {
    if (kernel.length !== kh * kw) throw new RangeError(`kernel has ${kernel.length} values, expected ${kh}x${kw}`);
    this.boundary = opts.boundary ?? 'reflect';
    this.rowMap = axisMap(h, kh, this.boundary, opts.pow2Only);
    this.colMap = axisMap(w, kw, this.boundary, opts.pow2Only);
    const nh = this.rowMap.n;
    const nw = this.colMap.n;
    this.nh = nh;
    this.nw = nw;
    this.nc = this.boundary === 'reflect' ? (nw >> 1) + 1 : nw;
    this.rowFft = fftOfLength(nw);
    this.colFft = nh === nw ? this.rowFft : fftOfLength(nh);
    this.spec = new Float64Array(2 * nh * this.nc);
    this.cols = [];
    for (let k = 0; k < this.nc; k++) this.cols.push(this.spec.subarray(2 * k * nh, 2 * (k + 1) * nh));
    this.rowIn = new Float64Array(2 * nw);
    this.rowOut = new Float64Array(2 * nw);
    this.colTmp = new Float64Array(2 * nh);
    this.scaled = new Float64Array(2 * h * w);
    this.block = new Float64Array(ROW_BLOCK * 2 * nw);
    this.blockRows = [];
    for (let b = 0; b < ROW_BLOCK; b++) this.blockRows.push(this.block.subarray(2 * b * nw, 2 * (b + 1) * nw));
    this.power = this.kernelPower(kernel, kh, kw);
  }

  /** |K^|^2 on the grid, K in the corner (wrapped modulo the grid), exactly even. */
  private kernelPower(kernel: ArrayLike<number>, kh: number, kw: number): Float64Array {
    const { nh, nw, nc, spec, rowIn, rowOut } = this;
    const rows = Math.min(kh, nh);
    const wrapped = new Float64Array(rows * nw);
    for (let r = 0; r < kh; r++) for (let q = 0; q < kw; q++) wrapped[(r % nh) * nw + (q % nw)] += kernel[r * kw + q];
    spec.fill(0);
    for (let r = 0; r < rows; r++) {
      rowIn.fill(0);
      for (let q = 0; q < nw; q++) rowIn[2 * q] = wrapped[r * nw + q];
      this.rowFft.forward(rowIn, rowOut);
      for (let k = 0, p = 2 * r; k < nc; k++, p += 2 * nh) {
        spec[p] = rowOut[2 * k];
        spec[p + 1] = rowOut[2 * k + 1];
      }
    }
    const power = new Float64Array(nc * nh);
    for (let k = 0; k < nc; k++) {
      this.colFft.forward(this.cols[k], this.colTmp);
      for (let t = 0; t < nh; t++) power[k * nh + t] = this.colTmp[2 * t] ** 2 + this.colTmp[2 * t + 1] ** 2;
    }
    // Exact evenness (rounding breaks it slightly), so packed channels cannot leak. For
    // 'reflect' the columns kept are k <= nw/2; k = 0 and nw/2 map onto themselves.
    for (let k = 0; k < nc; k++) {
      const k2 = k === 0 ? 0 : nw - k;
      if (k2 >= nc) continue; // 'reflect': partner not stored; `inverse` evens g per column
      for (let t = 0; t < nh; t++) {
        const t2 = t === 0 ? 0 : nh - t;
        const a = k * nh + t;
        const b = k2 * nh + t2;
        if (b <= a) continue;
        const m = 0.5 * (power[a] + power[b]);
        power[a] = m;
        power[b] = m;
      }
    }
    return power;
  }

  /**
   * v -> M^-1 v for this rho, over `[c, h, w]` float64 vectors; `out` must not alias `v`.
   * Builds G for this rho once (one grid-sized array); each application allocates nothing.
   */
  inverse(rho: number): (v: Float64Array, out: Float64Array) => void {
    if (!(rho > 0)) throw new RangeError(`preconditioner needs rho > 0, got ${rho}`);
    const { c, h, w, nh, nw, nc, power } = this;
    const scale = 1 / (nh * nw);
    const g = new Float64Array(nc * nh);
    for (let i = 0; i < g.length; i++) g[i] = scale / (power[i] + rho);
    if (this.boundary === 'reflect') {
      // Average over the row flip t -> nh - t; the column flip k -> nw - k is the stored
      // half itself (k <= nw/2), and evenness of power makes the two flips one orbit.
      for (let k = 0; k < nc; k++) {
        for (let t = 1; 2 * t < nh; t++) {
          const a = k * nh + t;
          const b = k * nh + nh - t;
          const m = 0.5 * (g[a] + g[b]);
          g[a] = m;
          g[b] = m;
        }
      }
    }
    const plane = h * w;
    return (v, out) => {
      if (v.length !== c * plane || out.length !== c * plane) {
        throw new RangeError(`preconditioner expects ${c * plane} values, got ${v.length} -> ${out.length}`);
      }
      for (let a = 0; a < c; a += 2) {
        const offA = a * plane;
        const offB = a + 1 < c ? offA + plane : -1;
        this.weigh(v, offA, offB);
        this.rowsForward();
        this.columnsFilter(g);
        this.rowsFold(out, offA, offB);
      }
    };
  }

  /** scaled = W (v_a + i v_b), v_b = 0 when offB < 0. */
  private weigh(v: Float64Array, offA: number, offB: number): void {
    const { h, w, scaled } = this;
    const rw = this.rowMap.weight;
    const cw = this.colMap.weight;
    for (let i = 0, p = 0; i < h; i++) {
      for (let j = 0; j < w; j++, p++) {
        const s = rw[i] * cw[j];
        scaled[2 * p] = s * v[offA + p];
        scaled[2 * p + 1] = offB >= 0 ? s * v[offB + p] : 0;
      }
    }
  }

  /**
   * spec = row DFTs of P(scaled): one FFT per image row, copied to each grid row it fills.
   * Rows go in blocks so the column-major writes land in contiguous runs.
   */
  private rowsForward(): void {
    const { h, w, nh, nw, nc, rowIn, spec, scaled, block } = this;
    const { start, idx, src } = this.rowMap;
    const csrc = this.colMap.src;
    const stride = 2 * nw;
    for (let j = 0; j < nh; j++) {
      if (src[j] >= 0) continue;
      for (let k = 0, p = 2 * j; k < nc; k++, p += 2 * nh) {
        spec[p] = 0;
        spec[p + 1] = 0;
      }
    }
    for (let i0 = 0; i0 < h; i0 += ROW_BLOCK) {
      const nb = Math.min(ROW_BLOCK, h - i0);
      for (let b = 0; b < nb; b++) {
        const o = 2 * (i0 + b) * w;
        for (let q = 0; q < nw; q++) {
          const s = csrc[q];
          rowIn[2 * q] = s >= 0 ? scaled[o + 2 * s] : 0;
          rowIn[2 * q + 1] = s >= 0 ? scaled[o + 2 * s + 1] : 0;
        }
        this.rowFft.forward(rowIn, this.blockRows[b]);
      }
      for (let k = 0; k < nc; k++) {
        const base = 2 * k * nh;
        for (let b = 0; b < nb; b++) {
          const re = block[b * stride + 2 * k];
          const im = block[b * stride + 2 * k + 1];
          for (let e = start[i0 + b]; e < start[i0 + b + 1]; e++) {
            spec[base + 2 * idx[e]] = re;
            spec[base + 2 * idx[e] + 1] = im;
          }
        }
      }
    }
  }

  /** Per column: DFT, multiply by real g, DFT again (= the inverse, index-reversed). */
  private columnsFilter(g: Float64Array): void {
    const { nh, nc, colTmp } = this;
    for (let k = 0; k < nc; k++) {
      const col = this.cols[k];
      this.colFft.forward(col, colTmp);
      const o = k * nh;
      for (let t = 0; t < nh; t++) {
        const s = g[o + t];
        colTmp[2 * t] *= s;
        colTmp[2 * t + 1] *= s;
      }
      this.colFft.forward(colTmp, col);
    }
  }

  /** out = W P^T (inverse row DFTs): fold the grid rows' spectra, one inverse FFT per image row. */
  private rowsFold(out: Float64Array, offA: number, offB: number): void {
    const { h, w, nh, nw, nc, rowOut, spec, block } = this;
    const { start, idx } = this.rowMap;
    const rw = this.rowMap.weight;
    const cmap = this.colMap;
    const stride = 2 * nw;
    for (let i0 = 0; i0 < h; i0 += ROW_BLOCK) {
      const nb = Math.min(ROW_BLOCK, h - i0);
      block.fill(0, 0, nb * stride);
      for (let k = 0; k < nc; k++) {
        const base = 2 * k * nh;
        for (let b = 0; b < nb; b++) {
          let re = 0;
          let im = 0;
          for (let e = start[i0 + b]; e < start[i0 + b + 1]; e++) {
            const j = idx[e];
            const p = base + 2 * (j === 0 ? 0 : nh - j);
            re += spec[p];
            im += spec[p + 1];
          }
          block[b * stride + 2 * k] = re;
          block[b * stride + 2 * k + 1] = im;
        }
      }
      for (let b = 0; b < nb; b++) {
        const row = this.blockRows[b];
        for (let k = nc; k < nw; k++) {
          row[2 * k] = row[2 * (nw - k)];
          row[2 * k + 1] = row[2 * (nw - k) + 1];
        }
        this.rowFft.forward(row, rowOut);
        const i = i0 + b;
        const a0 = offA + i * w;
        const b0 = offB + i * w;
        for (let n = 0; n < w; n++) {
          let re = 0;
          let im = 0;
          for (let e = cmap.start[n]; e < cmap.start[n + 1]; e++) {
            const q = cmap.idx[e];
            const rq = q === 0 ? 0 : nw - q;
            re += rowOut[2 * rq];
            im += rowOut[2 * rq + 1];
          }
          const s = rw[i] * cmap.weight[n];
          out[a0 + n] = s * re;
          if (offB >= 0) out[b0 + n] = s * im;
        }
      }
    }
  }
}
