import { describe, expect, it } from 'vitest';
import { Rng } from '../../rng';
import { maxAbsDiff } from '../testing';
import { applyBandedLastAxis, applyBandedMiddleAxis, bandedFromRows, bandedToDense, transposeBanded } from './banded';
import { correlateValidDirect, correlateValidDirectAdjoint } from './direct-correlate';
import { ComplexFft, goodFftSize } from './fft';
import { FftCorrelator } from './fft-correlate';
import { foldReflectPad2d, reflectIndex, reflectPad2d, symmetricIndex } from './reflect-pad';
import { applySeparablePlan, factorSeparable, separablePlan } from './separable-correlate';
import { symmetricEig } from './symmetric-eig';

const randomArray = (n: number, rng: Rng) => Float64Array.from(rng.normals(n));

describe('boundary index maps', () => {
  it('reflect (no edge repeat) matches numpy mode="reflect"', () => {
    // np.pad(np.arange(5), 6, mode='reflect')
    const np = [2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2];
    expect(Array.from({ length: 17 }, (_, i) => reflectIndex(i - 6, 5))).toEqual(np);
  });

  it('symmetric (edge repeat) matches numpy mode="symmetric"', () => {
    // np.pad(np.arange(4), 6, mode='symmetric')
    const np = [2, 3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 1];
    expect(Array.from({ length: 16 }, (_, i) => symmetricIndex(i - 6, 4))).toEqual(np);
  });

  it('folding is the adjoint of padding', () => {
    const rng = new Rng(1, 'test');
    const [c, h, w, p] = [2, 7, 9, 5];
    const x = rng.normals(c * h * w);
    const u = rng.normals(c * (h + 2 * p) * (w + 2 * p));
    const px = reflectPad2d(x, c, h, w, p);
    const fu = foldReflectPad2d(u, c, h, w, p);
    let a = 0;
    let b = 0;
    for (let i = 0; i < px.length; i++) a += px[i] * u[i];
    for (let i = 0; i < x.length; i++) b += x[i] * fu[i];
    expect(Math.abs(a - b) / Math.abs(a)).toBeLessThan(1e-6);
  });
});

describe('ComplexFft', () => {
  it.each([4, 8, 12, 20, 24, 40, 96, 160, 320])('matches a naive DFT for n = %i', (n) => {
    const rng = new Rng(n, 'test');
    const x = randomArray(2 * n, rng);
    const out = new Float64Array(2 * n);
    new ComplexFft(n).forward(x, out);
    let err = 0;
    for (let k = 0; k < n; k++) {
      let re = 0;
      let im = 0;
      for (let j = 0; j < n; j++) {
        const a = (-2 * Math.PI * j * k) / n;
        re += x[2 * j] * Math.cos(a) - x[2 * j + 1] * Math.sin(a);
        im += x[2 * j] * Math.sin(a) + x[2 * j + 1] * Math.cos(a);
      }
      err = Math.max(err, Math.abs(re - out[2 * k]), Math.abs(im - out[2 * k + 1]));
    }
    expect(err).toBeLessThan(1e-9);
  });

  it('picks short lengths', () => {
    expect(goodFftSize(316)).toBe(320);
    expect(goodFftSize(316, true)).toBe(512);
    expect(goodFftSize(100)).toBe(128);
    expect(goodFftSize(90)).toBe(96);
    expect(goodFftSize(3)).toBe(4);
    expect(() => new ComplexFft(28)).toThrow();
  });
});

describe('FftCorrelator', () => {
  it.each([
    [7, 9, 3, 5],
    [10, 11, 5, 4],
    [33, 20, 13, 7],
    [1, 1, 1, 1],
    [16, 17, 61, 61],
  ])('matches direct valid correlation and its adjoint (out %ix%i, kernel %ix%i)', (oh, ow, kh, kw) => {
    const rng = new Rng(oh * 100 + kh, 'test');
    const k = randomArray(kh * kw, rng);
    const corr = new FftCorrelator(oh, ow, k, kh, kw);
    const x = randomArray(corr.inH * corr.inW, rng);
    const a = new Float64Array(oh * ow);
    const b = new Float64Array(oh * ow);
    corr.correlate(x, a);
    correlateValidDirect(x, oh, ow, k, kh, kw, b);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-9);
    const y = randomArray(oh * ow, rng);
    const xa = new Float64Array(corr.inH * corr.inW);
    const xb = new Float64Array(corr.inH * corr.inW);
    corr.correlateAdjoint(y, xa);
    correlateValidDirectAdjoint(y, oh, ow, k, kh, kw, xb);
    expect(maxAbsDiff(xa, xb)).toBeLessThan(1e-9);
  });
});

describe('banded matrices', () => {
  it('transpose, dense form and both application axes agree with dense algebra', () => {
    const rng = new Rng(3, 'test');
    const [rows, cols] = [6, 11];
    const m = bandedFromRows(rows, cols, (i, add) => {
      add(Math.min(cols - 1, 2 * i), 1 + i);
      add(Math.min(cols - 1, 2 * i + 1), -0.5);
      add(Math.min(cols - 1, 2 * i + 1), 0.25); // repeated column accumulates
      if (i === 0) add(cols - 1, 3);
    });
    const d = bandedToDense(m);
    expect(d[1]).toBeCloseTo(-0.25, 15);
    const dt = bandedToDense(transposeBanded(m));
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) expect(dt[j * rows + i]).toBe(d[i * cols + j]);
    const outer = 3;
    const src = randomArray(outer * cols, rng);
    const dst = new Float64Array(outer * rows);
    applyBandedLastAxis(src, outer, m, dst);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < rows; i++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += d[i * cols + j] * src[o * cols + j];
        expect(dst[o * rows + i]).toBeCloseTo(s, 12);
      }
    }
    const inner = 4;
    const src2 = randomArray(2 * cols * inner, rng);
    const dst2 = new Float64Array(2 * rows * inner);
    applyBandedMiddleAxis(src2, 2, inner, m, dst2);
    for (let o = 0; o < 2; o++) {
      for (let i = 0; i < rows; i++) {
        for (let q = 0; q < inner; q++) {
          let s = 0;
          for (let j = 0; j < cols; j++) s += d[i * cols + j] * src2[(o * cols + j) * inner + q];
          expect(dst2[(o * rows + i) * inner + q]).toBeCloseTo(s, 12);
        }
      }
    }
  });
});

describe('separable reflect-correlate plans', () => {
  /** Dense n x n matrix of "reflect-pad, correlate with taps centred at `centre`". */
  function dense1d(n: number, taps: number[], centre: number): Float64Array {
    const d = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let a = 0; a < taps.length; a++) d[i * n + reflectIndex(i + a - centre, n)] += taps[a];
    return d;
  }
  const cases: [string, number[], number, number[], number][] = [
    ['symmetric', [0, 0, 0.1, 0.2, 0.4, 0.2, 0.1, 0, 0], 4, [0.25, 0.5, 0.25], 1],
    ['asymmetric', [0.3, -0.1, 0.5, 0.2, 0.05, 0.7, 0], 3, [0.1, 0.2, 0.3, 0.4, 0.5], 2],
    ['off-centre', [0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0], 5, [1], 0],
    ['long', Array.from({ length: 21 }, (_, i) => Math.exp(-((i - 10) ** 2) / 20)), 10, [0, 1, 3, 1, 0], 2],
  ];
  it.each(cases)('%s taps: forward = Mh X Mw^T and adjoint = Mh^T Y Mw (dense reference)', (_, u, cu, v, cv) => {
    const [c, h, w] = [2, 13, 17];
    const mh = dense1d(h, u, cu);
    const mw = dense1d(w, v, cv);
    const plan = separablePlan(c, h, w, u, cu, v, cv);
    const rng = new Rng(9, 'test');
    const x = randomArray(c * h * w, rng);
    for (const adjoint of [false, true]) {
      const out = new Float64Array(c * h * w);
      applySeparablePlan(plan, x, out, adjoint);
      const eh = (i: number, p: number) => (adjoint ? mh[p * h + i] : mh[i * h + p]);
      const ew = (j: number, q: number) => (adjoint ? mw[q * w + j] : mw[j * w + q]);
      for (let k = 0; k < c; k++) {
        for (let i = 0; i < h; i++) {
          for (let j = 0; j < w; j++) {
            let s = 0;
            for (let p = 0; p < h; p++) for (let q = 0; q < w; q++) s += eh(i, p) * ew(j, q) * x[(k * h + p) * w + q];
            expect(out[(k * h + i) * w + j]).toBeCloseTo(s, 12);
          }
        }
      }
    }
  });

  it('factors rank-one kernels and refuses others', () => {
    const u = [1, 2, 3];
    const v = [0.5, -1, 0.25, 2];
    const k = u.flatMap((a) => v.map((b) => a * b));
    const f = factorSeparable(k, 3, 4)!;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) expect(f.u[i] * f.v[j]).toBeCloseTo(k[i * 4 + j], 12);
    const notRankOne = [...k];
    notRankOne[5] += 0.01;
    expect(factorSeparable(notRankOne, 3, 4)).toBeNull();
    expect(factorSeparable([0, 0, 0, 0], 2, 2)).toBeNull();
  });
});

describe('symmetricEig', () => {
  /** |S - V diag V^T| and |V^T V - I|, largest entries. */
  function eigErrors(s: Float64Array, n: number): { recon: number; ortho: number } {
    const { values, vectors } = symmetricEig(s, n);
    let recon = 0;
    let ortho = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let r = 0;
        let g = 0;
        for (let k = 0; k < n; k++) {
          r += vectors[i * n + k] * values[k] * vectors[j * n + k];
          g += vectors[k * n + i] * vectors[k * n + j];
        }
        recon = Math.max(recon, Math.abs(r - s[i * n + j]));
        ortho = Math.max(ortho, Math.abs(g - (i === j ? 1 : 0)));
      }
    }
    return { recon, ortho };
  }

  it('reconstructs random symmetric matrices with orthonormal eigenvectors (n = 1, 2, 9, 80)', () => {
    const rng = new Rng(4, 'test');
    for (const n of [1, 2, 9, 80]) {
      const b = randomArray(n * n, rng);
      const s = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = b[i * n + j] + b[j * n + i];
      const { recon, ortho } = eigErrors(s, n);
      expect(recon, `n = ${n}`).toBeLessThan(1e-12 * n);
      expect(ortho, `n = ${n}`).toBeLessThan(1e-12 * n);
    }
  });

  it('handles repeated eigenvalues and an already diagonal matrix', () => {
    // 2 I + 3 u u^T (eigenvalue 2 repeated n - 1 times), and diag(5, -1, 5, 0).
    const n = 12;
    const s = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) s[i * n + j] = (i === j ? 2 : 0) + 3 / n;
    const low = eigErrors(s, n);
    expect(low.recon).toBeLessThan(1e-12);
    expect(low.ortho).toBeLessThan(1e-12);
    const values = Array.from(symmetricEig(s, n).values).sort((a, b) => a - b);
    expect(values[n - 1]).toBeCloseTo(5, 12);
    for (const v of values.slice(0, n - 1)) expect(v).toBeCloseTo(2, 12);
    const diag = Float64Array.from([5, 0, 0, 0, 0, -1, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0]);
    expect(Array.from(symmetricEig(diag, 4).values).sort((a, b) => a - b)).toEqual([-1, 0, 5, 5]);
    expect(eigErrors(diag, 4).recon).toBe(0);
  });
});
