/**
 * The operators against independent Python references (tests/fixtures/operators/make_fixtures.py:
 * scipy.ndimage.correlate(mode='mirror') for the blurs, an explicit numpy loop for bicubic x4).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { tensor, type Tensor } from '../tensor';
import { blurOperator } from './blur2d';
import { createOperator, operatorFromState } from './index';
import { bandedToDense } from './kernels/banded';
import { bicubicDownMatrix } from './kernels/bicubic';
import { fixtureImage, maxAbsDiff, sum } from './testing';

const load = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../tests/fixtures/operators/${name}`, import.meta.url), 'utf8'));

/** A blur fixture of make_fixtures.py. */
interface BlurFixture {
  shape: number[];
  inputSum: number;
  adjointInputSum: number;
  forward: number[];
  adjoint: number[];
}

const TOL = 1e-5;

/** 0.7 * image[:, ::-1, :] - 0.1 (the blur adjoint input of make_fixtures.py). */
function flippedImage(c: number, h: number, w: number): Float64Array {
  const x = fixtureImage(c, h, w);
  const out = new Float64Array(x.length);
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) out[(k * h + i) * w + j] = 0.7 * x[(k * h + (h - 1 - i)) * w + j] - 0.1;
    }
  }
  return out;
}

/** The formula kernel motion_kernel() of make_fixtures.py. */
function formulaKernel(size = 61): Float64Array {
  const c = Math.floor(size / 2);
  const k = new Float64Array(size * size);
  let max = 0;
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      const a = i - c;
      const b = j - c;
      const v =
        Math.exp(-((a - 0.02 * b * b - 0.3 * b) ** 2) / 4) * Math.exp(-(b * b) / 300) * (1 + 0.5 * Math.sin(0.2 * b));
      k[i * size + j] = v;
      max = Math.max(max, v);
    }
  }
  for (let i = 0; i < k.length; i++) if (k[i] < 1e-4 * max) k[i] = 0;
  const s = sum(k);
  for (let i = 0; i < k.length; i++) k[i] /= s;
  return k;
}

const asTensor = (shape: number[], d: Float64Array): Tensor => tensor(shape, Float32Array.from(d));

describe('gaussian-blur vs scipy.ndimage.correlate(mode="mirror")', () => {
  const fx = load('gaussian_blur.json') as BlurFixture & { kernelCentre: number; kernelRow30: number[] };
  const [c, h, w] = fx.shape;
  const op = createOperator('gaussian-blur', [c, h, w], {}, new Rng(0));

  it('rebuilds the same inputs', () => {
    expect(sum(fixtureImage(c, h, w))).toBeCloseTo(fx.inputSum, 8);
    expect(sum(flippedImage(c, h, w))).toBeCloseTo(fx.adjointInputSum, 8);
  });

  it('has the kernel scipy.ndimage.gaussian_filter makes', () => {
    const k = op.state.kernel!.data;
    expect(k[30 * 61 + 30]).toBeCloseTo(fx.kernelCentre, 8);
    expect(maxAbsDiff(k.subarray(30 * 61, 31 * 61), fx.kernelRow30)).toBeLessThan(1e-8);
  });

  it('forward and adjoint match to 1e-5', () => {
    const y = op.forward(asTensor([c, h, w], fixtureImage(c, h, w))).data;
    expect(maxAbsDiff(y, fx.forward)).toBeLessThan(TOL);
    const xt = op.adjoint(asTensor([c, h, w], flippedImage(c, h, w))).data;
    expect(maxAbsDiff(xt, fx.adjoint)).toBeLessThan(TOL);
  });
});

describe('motion-blur (FFT path) vs scipy with a fixed non-separable kernel', () => {
  const fx = load('motion_blur.json') as BlurFixture & { kernelNonzeros: number; kernelSquaredSum: number };
  const [c, h, w] = fx.shape;
  const k = formulaKernel();
  const kt = tensor([61, 61], Float32Array.from(k));

  it('rebuilds the same kernel', () => {
    expect(k.filter((v) => v !== 0).length).toBe(fx.kernelNonzeros);
    expect(sum(k.map((v) => v * v))).toBeCloseTo(fx.kernelSquaredSum, 10);
  });

  it.each([{ pow2Only: false }, { pow2Only: true }])('forward and adjoint match to 1e-5 (%o)', (opts) => {
    const op = blurOperator('motion-blur', [c, h, w], kt, opts);
    expect(op.impl).toBe('fft');
    expect(maxAbsDiff(op.forward(asTensor([c, h, w], fixtureImage(c, h, w))).data, fx.forward)).toBeLessThan(TOL);
    expect(maxAbsDiff(op.adjoint(asTensor([c, h, w], flippedImage(c, h, w))).data, fx.adjoint)).toBeLessThan(TOL);
  });

  it('is what operatorFromState builds from that kernel', () => {
    const op = operatorFromState('motion-blur', [c, h, w], {}, { kernel: kt });
    expect(maxAbsDiff(op.forward(asTensor([c, h, w], fixtureImage(c, h, w))).data, fx.forward)).toBeLessThan(TOL);
  });
});

interface SrCase {
  shape: number[];
  inputSum: number;
  adjointInputSum: number;
  W: number[];
  forward: number[];
  adjoint: number[];
}

describe('sr-x4 vs an explicit numpy bicubic loop', () => {
  const { cases } = load('sr_x4.json') as { cases: SrCase[] };
  it.each(cases)('shape $shape', (cs) => {
    const [c, h, w] = cs.shape;
    expect(sum(fixtureImage(c, h, w))).toBeCloseTo(cs.inputSum, 8);
    expect(maxAbsDiff(bandedToDense(bicubicDownMatrix(h)), cs.W)).toBeLessThan(1e-9); // 9 significant digits
    const op = createOperator('sr-x4', [c, h, w], {}, new Rng(0));
    expect(maxAbsDiff(op.forward(asTensor([c, h, w], fixtureImage(c, h, w))).data, cs.forward)).toBeLessThan(TOL);
    const y = fixtureImage(c, h / 4, w / 4).map((v) => 0.5 * v + 0.2);
    expect(sum(y)).toBeCloseTo(cs.adjointInputSum, 8);
    expect(maxAbsDiff(op.adjoint(asTensor([c, h / 4, w / 4], y)).data, cs.adjoint)).toBeLessThan(TOL);
  });
});
