/**
 * Complex FFT of length n = r * 2^a (r in {1, 3, 5}, 2^a >= 4), built on fft.js.
 *
 * fft.js only does powers of two. A 256x256 image reflect-padded by 30 needs length >= 316,
 * so a power of two means 512; 320 = 5 * 64 holds 2.6x fewer points per 2-D transform. One
 * decimation-in-time step splits x[r*m + s] into r length-2^a FFTs (fft.js), then combines
 * them with twiddles and an r-point DFT:
 *
 *   X[k + M q] = sum_s W_n^{s k} W_r^{s q} Y_s[k],   M = 2^a, k < M, q < r
 *
 * Convention: X[k] = sum_j x[j] exp(-2 pi i jk / n), unnormalised. Data is interleaved complex
 * (re, im) in Float64Array of length 2n. The inverse is obtained by callers as
 * n * x[j] = DFT(X)[(n - j) mod n], which saves a conjugation pass.
 */
import FFT from 'fft.js';

/** Smallest supported length >= n (powers of two, 3 or 5 times a power of two; at least 4). */
export function goodFftSize(n: number, pow2Only = false): number {
  let best = Infinity;
  for (const r of pow2Only ? [1] : [1, 3, 5]) {
    let m = 4;
    while (r * m < n) m *= 2;
    best = Math.min(best, r * m);
  }
  return best;
}

const C5_1 = Math.cos((2 * Math.PI) / 5);
const C5_2 = Math.cos((4 * Math.PI) / 5);
const S5_1 = Math.sin((2 * Math.PI) / 5);
const S5_2 = Math.sin((4 * Math.PI) / 5);
const S3 = Math.sqrt(3) / 2;

export class ComplexFft {
  readonly n: number;
  private readonly r: number;
  private readonly m: number;
  private readonly sub: FFT;
  /** tw[(s-1) * 2m + 2k .. +1] = W_n^{s k}, s = 1..r-1. */
  private readonly tw: Float64Array;
  private readonly gath: Float64Array[];
  private readonly subOut: Float64Array[];

  constructor(n: number) {
    let r = 1;
    if (n % 5 === 0) r = 5;
    else if (n % 3 === 0) r = 3;
    const m = n / r;
    if (!Number.isInteger(m) || m < 4 || (m & (m - 1)) !== 0) {
      throw new RangeError(`FFT length ${n} is not 2^a, 3*2^a or 5*2^a with 2^a >= 4`);
    }
    this.n = n;
    this.r = r;
    this.m = m;
    this.sub = new FFT(m);
    this.tw = new Float64Array(Math.max(0, r - 1) * 2 * m);
    for (let s = 1; s < r; s++) {
      for (let k = 0; k < m; k++) {
        const ang = (-2 * Math.PI * s * k) / n;
        this.tw[(s - 1) * 2 * m + 2 * k] = Math.cos(ang);
        this.tw[(s - 1) * 2 * m + 2 * k + 1] = Math.sin(ang);
      }
    }
    this.gath = [];
    this.subOut = [];
    if (r > 1) {
      for (let s = 0; s < r; s++) {
        this.gath.push(new Float64Array(2 * m));
        this.subOut.push(new Float64Array(2 * m));
      }
    }
  }

  /** out = DFT(inp); both interleaved complex of length 2n and distinct. */
  forward(inp: Float64Array, out: Float64Array): void {
    const { r, m } = this;
    if (r === 1) {
      this.sub.transform(out, inp);
      return;
    }
    for (let s = 0; s < r; s++) {
      const g = this.gath[s];
      for (let j = 0, src = 2 * s, step = 2 * r; j < 2 * m; j += 2, src += step) {
        g[j] = inp[src];
        g[j + 1] = inp[src + 1];
      }
      this.sub.transform(this.subOut[s], g);
    }
    if (r === 3) this.combine3(out);
    else this.combine5(out);
  }

  private combine3(out: Float64Array): void {
    const m = this.m;
    const tw = this.tw;
    const y0 = this.subOut[0];
    const y1 = this.subOut[1];
    const y2 = this.subOut[2];
    const o1 = 2 * m;
    for (let k = 0; k < 2 * m; k += 2) {
      const ar = y0[k];
      const ai = y0[k + 1];
      const w1r = tw[k];
      const w1i = tw[k + 1];
      const w2r = tw[o1 + k];
      const w2i = tw[o1 + k + 1];
      const br = y1[k] * w1r - y1[k + 1] * w1i;
      const bi = y1[k] * w1i + y1[k + 1] * w1r;
      const cr = y2[k] * w2r - y2[k + 1] * w2i;
      const ci = y2[k] * w2i + y2[k + 1] * w2r;
      const tr = br + cr;
      const ti = bi + ci;
      const mr = ar - 0.5 * tr;
      const mi = ai - 0.5 * ti;
      // -i * S3 * (b - c)
      const dr = S3 * (bi - ci);
      const di = -S3 * (br - cr);
      out[k] = ar + tr;
      out[k + 1] = ai + ti;
      out[k + 2 * m] = mr + dr;
      out[k + 2 * m + 1] = mi + di;
      out[k + 4 * m] = mr - dr;
      out[k + 4 * m + 1] = mi - di;
    }
  }

  private combine5(out: Float64Array): void {
    const m = this.m;
    const tw = this.tw;
    const y0 = this.subOut[0];
    const y1 = this.subOut[1];
    const y2 = this.subOut[2];
    const y3 = this.subOut[3];
    const y4 = this.subOut[4];
    const m2 = 2 * m;
    for (let k = 0; k < m2; k += 2) {
      const ar = y0[k];
      const ai = y0[k + 1];
      let wr = tw[k];
      let wi = tw[k + 1];
      const br = y1[k] * wr - y1[k + 1] * wi;
      const bi = y1[k] * wi + y1[k + 1] * wr;
      wr = tw[m2 + k];
      wi = tw[m2 + k + 1];
      const cr = y2[k] * wr - y2[k + 1] * wi;
      const ci = y2[k] * wi + y2[k + 1] * wr;
      wr = tw[2 * m2 + k];
      wi = tw[2 * m2 + k + 1];
      const dr = y3[k] * wr - y3[k + 1] * wi;
      const di = y3[k] * wi + y3[k + 1] * wr;
      wr = tw[3 * m2 + k];
      wi = tw[3 * m2 + k + 1];
      const er = y4[k] * wr - y4[k + 1] * wi;
      const ei = y4[k] * wi + y4[k + 1] * wr;
      const t1r = br + er;
      const t1i = bi + ei;
      const t2r = cr + dr;
      const t2i = ci + di;
      const t3r = br - er;
      const t3i = bi - ei;
      const t4r = cr - dr;
      const t4i = ci - di;
      const p1r = ar + C5_1 * t1r + C5_2 * t2r;
      const p1i = ai + C5_1 * t1i + C5_2 * t2i;
      const p2r = ar + C5_2 * t1r + C5_1 * t2r;
      const p2i = ai + C5_2 * t1i + C5_1 * t2i;
      // q1 = s1 t3 + s2 t4, q2 = s2 t3 - s1 t4; -i*q = (q.im, -q.re)
      const q1r = S5_1 * t3r + S5_2 * t4r;
      const q1i = S5_1 * t3i + S5_2 * t4i;
      const q2r = S5_2 * t3r - S5_1 * t4r;
      const q2i = S5_2 * t3i - S5_1 * t4i;
      out[k] = ar + t1r + t2r;
      out[k + 1] = ai + t1i + t2i;
      out[k + m2] = p1r + q1i;
      out[k + m2 + 1] = p1i - q1r;
      out[k + 2 * m2] = p2r + q2i;
      out[k + 2 * m2 + 1] = p2i - q2r;
      out[k + 3 * m2] = p2r - q2i;
      out[k + 3 * m2 + 1] = p2i + q2r;
      out[k + 4 * m2] = p1r - q1i;
      out[k + 4 * m2 + 1] = p1i + q1r;
    }
  }
}
