/**
 * Complex DFT of any length n >= 1 (Bluestein's chirp-z), for grids whose length is fixed by
 * the problem rather than chosen: the reflective-boundary preconditioner needs period exactly
 * 2H - 2 (510 for a 256 px image), which `ComplexFft` (r * 2^a, r in {1, 3, 5}) cannot do.
 *
 *   jk = (j^2 + k^2 - (k - j)^2) / 2   =>   X[k] = w[k] sum_j (x[j] w[j]) conj(w[k - j]),
 *   w[j] = exp(-i pi j^2 / n)
 *
 * i.e. a linear convolution of length 2n - 1, done circularly on m = goodFftSize(2n - 1)
 * points with two `ComplexFft`s (the chirp's spectrum is computed once). Same convention as
 * `ComplexFft`: unnormalised forward transform, interleaved complex Float64Array of length 2n.
 */
import { ComplexFft, goodFftSize } from './fft';

/** A forward complex DFT of fixed length (`ComplexFft` or `BluesteinFft`). */
export interface Fft1d {
  readonly n: number;
  /** out = DFT(inp); both interleaved complex of length 2n and distinct. */
  forward(inp: Float64Array, out: Float64Array): void;
}

export class BluesteinFft implements Fft1d {
  readonly m: number;
  private readonly fft: ComplexFft;
  /** w[j] = exp(-i pi j^2 / n), j < n. */
  private readonly chirp: Float64Array;
  /** DFT of conj(w) laid out circularly on m points, times 1/m (the inverse's scale). */
  private readonly kernel: Float64Array;
  private readonly a: Float64Array;
  private readonly b: Float64Array;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`FFT length must be a positive integer, got ${n}`);
    const m = goodFftSize(2 * n - 1);
    this.m = m;
    this.fft = new ComplexFft(m);
    this.chirp = new Float64Array(2 * n);
    for (let j = 0; j < n; j++) {
      // j^2 mod 2n keeps the angle accurate for large j.
      const ang = (-Math.PI * ((j * j) % (2 * n))) / n;
      this.chirp[2 * j] = Math.cos(ang);
      this.chirp[2 * j + 1] = Math.sin(ang);
    }
    this.a = new Float64Array(2 * m);
    this.b = new Float64Array(2 * m);
    for (let j = 0; j < n; j++) {
      const re = this.chirp[2 * j];
      const im = -this.chirp[2 * j + 1];
      this.a[2 * j] = re;
      this.a[2 * j + 1] = im;
      if (j > 0) {
        this.a[2 * (m - j)] = re;
        this.a[2 * (m - j) + 1] = im;
      }
    }
    this.kernel = new Float64Array(2 * m);
    this.fft.forward(this.a, this.kernel);
    for (let t = 0; t < 2 * m; t++) this.kernel[t] /= m;
  }

  forward(inp: Float64Array, out: Float64Array): void {
    const { n, m, chirp, kernel, a, b } = this;
    for (let j = 0; j < n; j++) {
      const xr = inp[2 * j];
      const xi = inp[2 * j + 1];
      const wr = chirp[2 * j];
      const wi = chirp[2 * j + 1];
      a[2 * j] = xr * wr - xi * wi;
      a[2 * j + 1] = xr * wi + xi * wr;
    }
    a.fill(0, 2 * n);
    this.fft.forward(a, b);
    for (let t = 0; t < 2 * m; t += 2) {
      const br = b[t];
      const bi = b[t + 1];
      const kr = kernel[t];
      const ki = kernel[t + 1];
      b[t] = br * kr - bi * ki;
      b[t + 1] = br * ki + bi * kr;
    }
    // Inverse as a forward transform read backwards: conv[k] = a[(m - k) mod m].
    this.fft.forward(b, a);
    for (let k = 0; k < n; k++) {
      const q = k === 0 ? 0 : 2 * (m - k);
      const cr = a[q];
      const ci = a[q + 1];
      const wr = chirp[2 * k];
      const wi = chirp[2 * k + 1];
      out[2 * k] = cr * wr - ci * wi;
      out[2 * k + 1] = cr * wi + ci * wr;
    }
  }
}

/** `ComplexFft` when n is one of its lengths, else `BluesteinFft`. */
export function fftOfLength(n: number): Fft1d {
  return n >= 4 && goodFftSize(n) === n ? new ComplexFft(n) : new BluesteinFft(n);
}
