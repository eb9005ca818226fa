import { describe, expect, it } from 'vitest';
import { Rng } from '../../rng';
import { gaussianKernel2d } from '../gen/gaussian-kernel';
import { motionKernel } from '../gen/motion-kernel';
import { BluesteinFft, fftOfLength } from './bluestein';
import { CirculantNormalPreconditioner, type PreconditionerBoundary } from './circulant-precond';
import { ComplexFft } from './fft';
import { reflectIndex } from './reflect-pad';

const randomArray = (n: number, rng: Rng) => Float64Array.from(rng.normals(n));

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Naive unnormalised DFT, interleaved complex. */
function naiveDft(x: Float64Array, n: number): Float64Array {
  const out = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const ang = (-2 * Math.PI * ((j * k) % n)) / n;
      out[2 * k] += x[2 * j] * Math.cos(ang) - x[2 * j + 1] * Math.sin(ang);
      out[2 * k + 1] += x[2 * j] * Math.sin(ang) + x[2 * j + 1] * Math.cos(ang);
    }
  }
  return out;
}

describe('BluesteinFft', () => {
  it('matches a naive DFT for lengths ComplexFft cannot do', () => {
    const rng = new Rng(1, 'test');
    for (const n of [1, 2, 3, 7, 17, 60, 78, 126]) {
      const x = randomArray(2 * n, rng);
      const out = new Float64Array(2 * n);
      new BluesteinFft(n).forward(x, out);
      const ref = naiveDft(x, n);
      let err = 0;
      let scale = 0;
      for (let i = 0; i < 2 * n; i++) {
        err = Math.max(err, Math.abs(out[i] - ref[i]));
        scale = Math.max(scale, Math.abs(ref[i]));
      }
      expect(err / scale, `n=${n}`).toBeLessThan(1e-12);
    }
  });

  it('is only used where ComplexFft has no native length', () => {
    expect(fftOfLength(64)).toBeInstanceOf(ComplexFft);
    expect(fftOfLength(48)).toBeInstanceOf(ComplexFft);
    expect(fftOfLength(510)).toBeInstanceOf(BluesteinFft);
    expect(fftOfLength(2)).toBeInstanceOf(BluesteinFft);
  });
});

/**
 * Dense reference of M^-1 = W P^T F^-1 [G F(P W .)] for one plane, straight from the definition
 * (naive 2-D DFTs, G from the naive kernel spectrum), column by column.
 */
function referenceInverse(
  h: number,
  w: number,
  k: Float64Array,
  kh: number,
  kw: number,
  rho: number,
  boundary: PreconditionerBoundary,
  nh: number,
  nw: number,
): Float64Array {
  const rowSrc = (j: number) => (boundary === 'reflect' ? reflectIndex(j, h) : j < h ? j : -1);
  const colSrc = (j: number) => (boundary === 'reflect' ? reflectIndex(j, w) : j < w ? j : -1);
  const rowCount = new Float64Array(h);
  const colCount = new Float64Array(w);
  for (let j = 0; j < nh; j++) if (rowSrc(j) >= 0) rowCount[rowSrc(j)]++;
  for (let j = 0; j < nw; j++) if (colSrc(j) >= 0) colCount[colSrc(j)]++;
  const dft2 = (g: Float64Array): Float64Array => {
    const out = new Float64Array(2 * nh * nw);
    for (let a = 0; a < nh; a++) {
      for (let b = 0; b < nw; b++) {
        let re = 0;
        let im = 0;
        for (let i = 0; i < nh; i++) {
          for (let j = 0; j < nw; j++) {
            const ang = -2 * Math.PI * ((a * i) / nh + (b * j) / nw);
            const xr = g[2 * (i * nw + j)];
            const xi = g[2 * (i * nw + j) + 1];
            re += xr * Math.cos(ang) - xi * Math.sin(ang);
            im += xr * Math.sin(ang) + xi * Math.cos(ang);
          }
        }
        out[2 * (a * nw + b)] = re;
        out[2 * (a * nw + b) + 1] = im;
      }
    }
    return out;
  };
  const kg = new Float64Array(2 * nh * nw);
  for (let r = 0; r < kh; r++) for (let q = 0; q < kw; q++) kg[2 * ((r % nh) * nw + (q % nw))] += k[r * kw + q];
  const ks = dft2(kg);
  const n = h * w;
  const m = new Float64Array(n * n);
  for (let col = 0; col < n; col++) {
    const grid = new Float64Array(2 * nh * nw);
    const wc = 1 / (rowCount[Math.floor(col / w)] * colCount[col % w]);
    for (let i = 0; i < nh; i++) {
      for (let j = 0; j < nw; j++) {
        if (rowSrc(i) >= 0 && colSrc(j) >= 0 && rowSrc(i) * w + colSrc(j) === col) grid[2 * (i * nw + j)] = wc;
      }
    }
    const f = dft2(grid);
    for (let t = 0; t < nh * nw; t++) {
      const g = 1 / (ks[2 * t] ** 2 + ks[2 * t + 1] ** 2 + rho);
      // Conjugate then forward = nh nw times the inverse, conjugated back below.
      f[2 * t] *= g;
      f[2 * t + 1] *= -g;
    }
    const back = dft2(f);
    for (let i = 0; i < nh; i++) {
      for (let j = 0; j < nw; j++) {
        if (rowSrc(i) < 0 || colSrc(j) < 0) continue;
        const p = rowSrc(i) * w + colSrc(j);
        m[p * n + col] += back[2 * (i * nw + j)] / (nh * nw) / (rowCount[rowSrc(i)] * colCount[colSrc(j)]);
      }
    }
  }
  return m;
}

describe('CirculantNormalPreconditioner', () => {
  it('equals its definition on a tiny grid (both boundaries, odd and even grid sizes)', () => {
    const rng = new Rng(2, 'test');
    const [h, w, kh, kw] = [5, 6, 3, 5];
    const k = Float64Array.from(rng.normals(kh * kw), Math.abs);
    for (const boundary of ['reflect', 'zero'] as const) {
      const pre = new CirculantNormalPreconditioner(2, h, w, k, kh, kw, { boundary });
      const rho = 0.05;
      const ref = referenceInverse(h, w, k, kh, kw, rho, boundary, pre.nh, pre.nw);
      const apply = pre.inverse(rho);
      const n = h * w;
      const v = randomArray(2 * n, rng);
      const out = new Float64Array(2 * n);
      apply(v, out);
      let err = 0;
      let scale = 0;
      for (let ch = 0; ch < 2; ch++) {
        for (let p = 0; p < n; p++) {
          let s = 0;
          for (let q = 0; q < n; q++) s += ref[p * n + q] * v[ch * n + q];
          err = Math.max(err, Math.abs(out[ch * n + p] - s));
          scale = Math.max(scale, Math.abs(s));
        }
      }
      expect(err / scale, boundary).toBeLessThan(1e-10);
    }
  });

  const kernels = {
    gaussian: Float64Array.from(gaussianKernel2d(61, 3)),
    motion: Float64Array.from(motionKernel(new Rng(3, 'operator'), 61, 0.5)),
  };

  for (const [name, k] of Object.entries(kernels)) {
    for (const boundary of ['reflect', 'zero'] as const) {
      it(`is symmetric positive definite (${name} kernel, ${boundary}, [3, 40, 52])`, () => {
        const [c, h, w] = [3, 40, 52];
        const pre = new CirculantNormalPreconditioner(c, h, w, k, 61, 61, { boundary });
        const rng = new Rng(3, 'test');
        for (const rho of [1e-5, 1e-2, 1]) {
          const apply = pre.inverse(rho);
          const u = randomArray(c * h * w, rng);
          const v = randomArray(c * h * w, rng);
          const mu = new Float64Array(u.length);
          const mv = new Float64Array(u.length);
          apply(u, mu);
          apply(v, mv);
          const uMv = dot(u, mv);
          const vMu = dot(v, mu);
          // Relative to the Cauchy-Schwarz scale sqrt(u.Mu v.Mv): random u, v are nearly
          // M-orthogonal, so u.Mv itself can be small.
          const scale = Math.sqrt(dot(u, mu) * dot(v, mv));
          expect(Math.abs(uMv - vMu) / scale).toBeLessThan(1e-10);
          expect(dot(u, mu)).toBeGreaterThan(0);
          expect(dot(v, mv)).toBeGreaterThan(0);
        }
      });
    }
  }

  it('rejects rho <= 0 and wrong lengths', () => {
    const pre = new CirculantNormalPreconditioner(1, 8, 8, [1], 1, 1);
    expect(() => pre.inverse(0)).toThrow(RangeError);
    expect(() => pre.inverse(1)(new Float64Array(63), new Float64Array(64))).toThrow(RangeError);
  });
});
