/**
 * 2-D "valid" cross-correlation with a fixed kernel, and its exact adjoint, through FFTs.
 *
 *   correlate: out[i, j] = sum_{a<kh, b<kw} K[a, b] * x[i + a, j + b]
 *              x is `[outH + kh - 1, outW + kw - 1]`, out is `[outH, outW]`
 *   adjoint:   x[m, n]   = sum_{a, b} K[a, b] * y[m - a, n - b]   (full convolution, y zero outside)
 *
 * Both are circular products on an Nh x Nw grid with Nh >= outH + kh - 1 (then nothing wraps
 * into the samples we keep): correlation multiplies the spectrum by conj(K^), the adjoint by K^.
 * K^ is computed once per correlator and already carries the 1/(Nh Nw) of the inverse.
 *
 * Real 2-D transform layout: rows are transformed two at a time (packed as re + i*im of one
 * complex FFT, then split by Hermitian symmetry) and only the Nw/2+1 non-redundant bins are kept,
 * stored column-major so each column FFT reads contiguous memory. Rows past the input are
 * zero, and only the output rows are inverse-transformed. Inverses are forward FFTs read in
 * reversed order (N x[j] = DFT(X)[(N - j) mod N]).
 */
import type { FloatArray } from './banded';
import { ComplexFft, goodFftSize } from './fft';

export interface FftCorrelatorOptions {
  /** Use power-of-two lengths only (for benchmarking against fft.js alone). */
  pow2Only?: boolean;
}

export class FftCorrelator {
  readonly inH: number;
  readonly inW: number;
  readonly nh: number;
  readonly nw: number;
  private readonly nb: number;
  private readonly rowFft: ComplexFft;
  private readonly colFft: ComplexFft;
  /** Kernel spectrum, column-major [nb][nh] complex, scaled by 1/(nh nw). */
  private readonly kspec: Float64Array;
  private readonly spec: Float64Array;
  private readonly colViews: Float64Array[];
  private readonly rowIn: Float64Array;
  private readonly rowOut: Float64Array;
  private readonly colTmp: Float64Array;

  constructor(
    readonly outH: number,
    readonly outW: number,
    kernel: ArrayLike<number>,
    readonly kh: number,
    readonly kw: number,
    opts: FftCorrelatorOptions = {},
  ) {
    if (kernel.length !== kh * kw) throw new RangeError(`kernel has ${kernel.length} values, expected ${kh}x${kw}`);
    this.inH = outH + kh - 1;
    this.inW = outW + kw - 1;
    this.nh = goodFftSize(this.inH, opts.pow2Only);
    this.nw = goodFftSize(this.inW, opts.pow2Only);
    this.nb = this.nw / 2 + 1;
    this.rowFft = new ComplexFft(this.nw);
    this.colFft = this.nh === this.nw ? this.rowFft : new ComplexFft(this.nh);
    this.spec = new Float64Array(this.nb * this.nh * 2);
    this.colViews = [];
    for (let k = 0; k < this.nb; k++) this.colViews.push(this.spec.subarray(k * this.nh * 2, (k + 1) * this.nh * 2));
    this.rowIn = new Float64Array(2 * this.nw);
    this.rowOut = new Float64Array(2 * this.nw);
    this.colTmp = new Float64Array(2 * this.nh);

    // Kernel spectrum: forward 2-D DFT of K zero-padded to nh x nw.
    const kd = Float64Array.from(kernel);
    this.rowsForward(kd, kh, kw);
    const scale = 1 / (this.nh * this.nw);
    this.kspec = new Float64Array(this.spec.length);
    for (let k = 0; k < this.nb; k++) {
      this.colFft.forward(this.colViews[k], this.colTmp);
      const o = k * this.nh * 2;
      for (let t = 0; t < 2 * this.nh; t++) this.kspec[o + t] = this.colTmp[t] * scale;
    }
  }

  /** Valid correlation: x `[inH, inW]` -> out `[outH, outW]`. */
  correlate(x: FloatArray, out: FloatArray): void {
    this.rowsForward(x, this.inH, this.inW);
    this.columnsMultiply(true);
    this.rowsInverse(out, this.outH, this.outW);
  }

  /** Adjoint of `correlate`: y `[outH, outW]` -> x `[inH, inW]`. */
  correlateAdjoint(y: FloatArray, x: FloatArray): void {
    this.rowsForward(y, this.outH, this.outW);
    this.columnsMultiply(false);
    this.rowsInverse(x, this.inH, this.inW);
  }

  /** Row DFTs of a real `[h, w]` array (rows >= h are zero) into the half spectrum `spec`. */
  private rowsForward(src: FloatArray, h: number, w: number): void {
    const { nw, nh, nb, rowIn, rowOut, spec } = this;
    for (let r = 0; r < h; r += 2) {
      const hasB = r + 1 < h;
      const a0 = r * w;
      const b0 = a0 + w;
      for (let n = 0; n < w; n++) {
        rowIn[2 * n] = src[a0 + n];
        rowIn[2 * n + 1] = hasB ? src[b0 + n] : 0;
      }
      rowIn.fill(0, 2 * w);
      this.rowFft.forward(rowIn, rowOut);
      for (let k = 0; k < nb; k++) {
        const nk = k === 0 ? 0 : nw - k;
        const zr = rowOut[2 * k];
        const zi = rowOut[2 * k + 1];
        const zr2 = rowOut[2 * nk];
        const zi2 = rowOut[2 * nk + 1];
        const base = (k * nh + r) * 2;
        // A = (Z[k] + conj Z[-k]) / 2, B = (Z[k] - conj Z[-k]) / (2i)
        spec[base] = 0.5 * (zr + zr2);
        spec[base + 1] = 0.5 * (zi - zi2);
        if (hasB) {
          spec[base + 2] = 0.5 * (zi + zi2);
          spec[base + 3] = -0.5 * (zr - zr2);
        }
      }
    }
    for (let k = 0; k < nb; k++) spec.fill(0, (k * nh + h) * 2, (k + 1) * nh * 2);
  }

  /** Column DFT, multiply by K^ (or its conjugate), inverse column DFT (index-reversed). */
  private columnsMultiply(conj: boolean): void {
    const { nb, nh, kspec, colTmp } = this;
    const sgn = conj ? -1 : 1;
    for (let k = 0; k < nb; k++) {
      const col = this.colViews[k];
      this.colFft.forward(col, colTmp);
      const o = k * nh * 2;
      for (let t = 0; t < 2 * nh; t += 2) {
        const xr = colTmp[t];
        const xi = colTmp[t + 1];
        const kr = kspec[o + t];
        const ki = sgn * kspec[o + t + 1];
        colTmp[t] = xr * kr - xi * ki;
        colTmp[t + 1] = xr * ki + xi * kr;
      }
      this.colFft.forward(colTmp, col);
    }
  }

  /** Inverse row DFTs of the first h rows, two rows per complex FFT, into real `[h, w]`. */
  private rowsInverse(dst: FloatArray, h: number, w: number): void {
    const { nw, nh, nb, rowIn, rowOut, spec } = this;
    for (let i = 0; i < h; i += 2) {
      const hasB = i + 1 < h;
      const ra = i === 0 ? 0 : nh - i;
      const rb = nh - i - 1;
      for (let k = 0; k < nb; k++) {
        const pa = (k * nh + ra) * 2;
        const ar = spec[pa];
        const ai = spec[pa + 1];
        let br = 0;
        let bi = 0;
        if (hasB) {
          const pb = (k * nh + rb) * 2;
          br = spec[pb];
          bi = spec[pb + 1];
        }
        // Z[k] = A + iB ; Z[nw-k] = conj(A) + i conj(B)
        rowIn[2 * k] = ar - bi;
        rowIn[2 * k + 1] = ai + br;
        if (k > 0 && k < nb - 1) {
          const q = 2 * (nw - k);
          rowIn[q] = ar + bi;
          rowIn[q + 1] = br - ai;
        }
      }
      this.rowFft.forward(rowIn, rowOut);
      const a0 = i * w;
      const b0 = a0 + w;
      dst[a0] = rowOut[0];
      if (hasB) dst[b0] = rowOut[1];
      for (let n = 1; n < w; n++) {
        const q = 2 * (nw - n);
        dst[a0 + n] = rowOut[q];
        if (hasB) dst[b0 + n] = rowOut[q + 1];
      }
    }
  }
}
