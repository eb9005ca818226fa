import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { Rng } from '../rng';
import { tensor } from '../tensor';
import { opNorm } from './check';
import { createOperator } from './index';
import { bandedGram, } from './kernels/dense';
import { bandedToDense } from './kernels/banded';
import { bicubicDownMatrix, keysCubic } from './kernels/bicubic';
import { symmetricEig } from './kernels/symmetric-eig';
import { maxAbsDiff } from './testing';

const SPEC_WEIGHTS = [
  -0.001708984375, -0.010986328125, -0.018310546875, -0.011962890625, 0.022705078125, 0.097412109375, 0.181884765625,
  0.240966796875,
];
const SPEC_ROW = [...SPEC_WEIGHTS, ...[...SPEC_WEIGHTS].reverse()];

describe('bicubic x4 matrix W', () => {
  it('has Keys a = -0.5', () => {
    expect(keysCubic(0)).toBe(1);
    expect(keysCubic(1)).toBe(0);
    expect(keysCubic(2)).toBe(0);
    expect(keysCubic(0.5)).toBeCloseTo(1.5 * 0.125 - 2.5 * 0.25 + 1, 15);
    expect(keysCubic(-1.5)).toBeCloseTo(-0.5 * 3.375 + 2.5 * 2.25 - 6 + 2, 15);
  });

  it.each([4, 8, 12, 40, 64, 256])('rows sum to 1 for n = %i', (n) => {
    const w = bandedToDense(bicubicDownMatrix(n));
    for (let i = 0; i < n / 4; i++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += w[i * n + p];
      expect(s).toBeCloseTo(1, 12);
    }
  });

  it('holds the 16 listed weights on interior rows (inputs 4i-6 .. 4i+9)', () => {
    const n = 64;
    const w = bandedToDense(bicubicDownMatrix(n));
    for (const i of [2, 5, 13]) {
      const row = Array.from(w.subarray(i * n, (i + 1) * n));
      expect(row.slice(4 * i - 6, 4 * i + 10)).toEqual(SPEC_ROW);
      expect(row.filter((v) => v !== 0).length).toBe(16);
    }
  });

  it('folds boundary taps with edge repetition (p < 0 -> -p-1, p > n-1 -> 2n-1-p)', () => {
    const n = 64;
    const w = bandedToDense(bicubicDownMatrix(n));
    // row 0 reads p = -6..9; p = -1..-6 land on 0..5
    const row0 = new Array<number>(n).fill(0);
    for (let t = 0; t < 16; t++) {
      const p = t - 6;
      row0[p < 0 ? -p - 1 : p] += SPEC_ROW[t];
    }
    expect(maxAbsDiff(w.subarray(0, n), row0)).toBeLessThan(1e-15);
    // last row reads p = n-10 .. n+5; p = n..n+5 land on n-1..n-6
    const last = n / 4 - 1;
    const rowL = new Array<number>(n).fill(0);
    for (let t = 0; t < 16; t++) {
      const p = 4 * last - 6 + t;
      rowL[p > n - 1 ? 2 * n - 1 - p : p] += SPEC_ROW[t];
    }
    expect(maxAbsDiff(w.subarray(last * n, (last + 1) * n), rowL)).toBeLessThan(1e-15);
  });
});

describe('sr-x4 operator', () => {
  it('outputs [C, H/4, W/4], keeps constants and reproduces linear ramps in the interior', () => {
    const [c, h, w] = [2, 32, 48];
    const op = createOperator('sr-x4', [c, h, w], {}, new Rng(0));
    expect(op.outShape).toEqual([c, 8, 12]);
    const ones = op.forward(tensor([c, h, w], new Float32Array(c * h * w).fill(0.25))).data;
    expect(maxAbsDiff(ones, new Float32Array(ones.length).fill(0.25))).toBeLessThan(1e-6);
    // x[i, j] = j: output column jo (away from the borders) is centred on 4 jo + 1.5
    const ramp = new Float32Array(c * h * w);
    for (let k = 0; k < c; k++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) ramp[(k * h + i) * w + j] = j;
    const y = op.forward(tensor([c, h, w], ramp)).data;
    for (let jo = 2; jo < 10; jo++) expect(y[3 * 12 + jo]).toBeCloseTo(4 * jo + 1.5, 4);
  });

  it('has operator norm ||Wh|| ||Ww|| (power method vs eigenvalues)', () => {
    const op = createOperator('sr-x4', [1, 32, 48], {}, new Rng(0));
    const eh = symmetricEig(bandedGram(bicubicDownMatrix(32)), 8);
    const ew = symmetricEig(bandedGram(bicubicDownMatrix(48)), 12);
    const expected = Math.sqrt(Math.max(...eh.values) * Math.max(...ew.values));
    expect(opNorm(op, { maxIter: 500, tol: 1e-10 })).toBeCloseTo(expected, 5);
  });

  it('rejects sizes not divisible by 4 with SHAPE_MISMATCH', () => {
    let err: SpgdError | undefined;
    try {
      createOperator('sr-x4', [3, 255, 256], {}, new Rng(0));
    } catch (e) {
      err = e as SpgdError;
    }
    expect(err?.code).toBe('SHAPE_MISMATCH');
    expect(err?.message).toBe('sr-x4 needs height and width divisible by 4, got 255x256');
  });
});
