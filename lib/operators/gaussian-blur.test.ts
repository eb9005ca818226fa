import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { Rng } from '../rng';
import { tensor } from '../tensor';
import { blurOperator, type BlurOperator } from './blur2d';
import { gaussianKernel2d, gaussianRadius, gaussianTaps1d } from './gen/gaussian-kernel';
import { createOperator, operatorFromState } from './index';
import { correlateValidDirect, correlateValidDirectAdjoint } from './kernels/direct-correlate';
import { foldReflectPad2d, reflectPad2d } from './kernels/reflect-pad';
import { maxAbs, maxAbsDiff, randomTensor } from './testing';

/** Reference: materialise the reflect padding, then a direct 61x61 valid correlation per channel. */
function directBlur(x: Float32Array, c: number, h: number, w: number, k: Float32Array, ks: number): Float32Array {
  const pad = (ks - 1) / 2;
  const xp = reflectPad2d(x, c, h, w, pad);
  const out = new Float32Array(c * h * w);
  const hp = h + 2 * pad;
  const wp = w + 2 * pad;
  for (let ch = 0; ch < c; ch++) {
    correlateValidDirect(xp.subarray(ch * hp * wp), h, w, k, ks, ks, out.subarray(ch * h * w, (ch + 1) * h * w));
  }
  return out;
}

function directBlurAdjoint(y: Float32Array, c: number, h: number, w: number, k: Float32Array, ks: number): Float32Array {
  const pad = (ks - 1) / 2;
  const hp = h + 2 * pad;
  const wp = w + 2 * pad;
  const xp = new Float32Array(c * hp * wp);
  for (let ch = 0; ch < c; ch++) {
    correlateValidDirectAdjoint(y.subarray(ch * h * w), h, w, k, ks, ks, xp.subarray(ch * hp * wp, (ch + 1) * hp * wp));
  }
  return foldReflectPad2d(xp, c, h, w, pad);
}

describe('gaussian kernel', () => {
  it('has radius 12, 1-D centre 0.132985 and 2-D centre 0.132985^2 for std 3', () => {
    expect(gaussianRadius(3)).toBe(12);
    const g = gaussianTaps1d(3);
    expect(g.length).toBe(25);
    expect(g[12]).toBeCloseTo(0.132985, 6);
    const k = gaussianKernel2d(61, 3);
    expect(k[30 * 61 + 30]).toBeCloseTo(g[12] * g[12], 8); // stored as float32
    expect(k[30 * 61 + 30]).toBeCloseTo(0.0176849, 7);
    let s = 0;
    for (const v of k) s += v;
    expect(s).toBeCloseTo(1, 6);
    // zero outside radius 12, nonzero at 12
    expect(k[30 * 61 + 30 + 13]).toBe(0);
    expect(k[30 * 61 + 30 + 12]).toBeGreaterThan(0);
    expect(k[(30 - 13) * 61 + 30]).toBe(0);
  });
});

describe('gaussian-blur operator', () => {
  const shapes: [number, number, number][] = [
    [3, 40, 36],
    [1, 31, 33],
  ];

  it.each(shapes)('matches a direct reflect-pad + 61x61 correlation on %ix%ix%i (forward and adjoint)', (c, h, w) => {
    const op = createOperator('gaussian-blur', [c, h, w], {}, new Rng(0)) as BlurOperator;
    expect(op.impl).toBe('separable');
    const k = op.state.kernel!.data;
    const rng = new Rng(1, 'test');
    const x = randomTensor([c, h, w], rng);
    const ref = directBlur(x.data, c, h, w, k, 61);
    expect(maxAbsDiff(op.forward(x).data, ref)).toBeLessThan(1e-5);
    const y = randomTensor([c, h, w], rng);
    const refT = directBlurAdjoint(y.data, c, h, w, k, 61);
    expect(maxAbsDiff(op.adjoint(y).data, refT)).toBeLessThan(1e-5);
  });

  it('agrees with the FFT path on the same kernel', () => {
    const shape = [2, 48, 40];
    const k = tensor([61, 61], gaussianKernel2d(61, 3));
    const sep = blurOperator('gaussian-blur', shape, k);
    const fft = blurOperator('gaussian-blur', shape, k, { forceFft: true });
    expect(fft.impl).toBe('fft');
    const rng = new Rng(2, 'test');
    const x = randomTensor(shape, rng);
    expect(maxAbsDiff(sep.forward(x).data, fft.forward(x).data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(sep.adjoint(x).data, fft.adjoint(x).data)).toBeLessThan(1e-5);
  });

  it('keeps a constant image constant and blurs a point into the kernel', () => {
    const op = createOperator('gaussian-blur', [1, 64, 64], {}, new Rng(0));
    const y = op.forward(tensor([1, 64, 64], new Float32Array(64 * 64).fill(0.7))).data;
    expect(maxAbsDiff(y, new Float32Array(64 * 64).fill(0.7))).toBeLessThan(1e-6);
    const e = new Float32Array(64 * 64);
    e[32 * 64 + 32] = 1;
    const psf = op.forward(tensor([1, 64, 64], e)).data;
    const g = gaussianTaps1d(3);
    expect(psf[32 * 64 + 32]).toBeCloseTo(g[12] * g[12], 7);
    expect(psf[(32 + 3) * 64 + 32 - 5]).toBeCloseTo(g[15] * g[7], 7);
    expect(maxAbs(psf.filter((_, i) => Math.abs(Math.floor(i / 64) - 32) > 12))).toBe(0);
  });

  it('reflects without repeating the edge', () => {
    // A ramp x[j] = j reflected without edge repeat is symmetric about j = 0, so the blur of
    // column 0 equals sum_a g[a] |a| (with edge repeat it would be sum g[a] (|a| - 1/2)-ish).
    const h = 40;
    const w = 40;
    const x = new Float32Array(h * w);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) x[i * w + j] = j;
    const y = createOperator('gaussian-blur', [1, h, w], {}, new Rng(0)).forward(tensor([1, h, w], x)).data;
    const g = gaussianTaps1d(3);
    let expected = 0;
    for (let a = -12; a <= 12; a++) expected += g[a + 12] * Math.abs(a);
    expect(y[20 * w]).toBeCloseTo(expected, 5);
  });

  it('rebuilds from params alone (deterministic) or from a stored kernel', () => {
    const op = createOperator('gaussian-blur', [1, 40, 40], { std: 2 }, new Rng(0));
    const x = randomTensor([1, 40, 40], new Rng(3, 'test'));
    expect(operatorFromState('gaussian-blur', [1, 40, 40], { std: 2 }, {}).forward(x).data).toEqual(op.forward(x).data);
    const stored = operatorFromState('gaussian-blur', [1, 40, 40], {}, { kernel: op.state.kernel });
    expect(stored.forward(x).data).toEqual(op.forward(x).data);
  });

  it('needs at least 31x31 px and says so', () => {
    let err: SpgdError | undefined;
    try {
      createOperator('gaussian-blur', [3, 30, 64], {}, new Rng(0));
    } catch (e) {
      err = e as SpgdError;
    }
    expect(err?.code).toBe('IMAGE_TOO_SMALL');
    expect(err?.message).toBe('gaussian-blur needs the image at least 31x31 px (reflect padding of 30), got 30x64');
    expect(() => createOperator('gaussian-blur', [3, 31, 31], {}, new Rng(0))).not.toThrow();
    // a smaller window lowers the limit
    expect(() => createOperator('gaussian-blur', [3, 26, 26], { kernelSize: 51 }, new Rng(0))).not.toThrow();
  });

  it('rejects a std whose radius does not fit the window', () => {
    expect(() => createOperator('gaussian-blur', [3, 64, 64], { kernelSize: 21, std: 3 }, new Rng(0))).toThrow(
      /must fit inside kernelSize/,
    );
    expect(() => createOperator('gaussian-blur', [3, 64, 64], { kernelSize: 60 }, new Rng(0))).toThrow(/odd/);
  });
});
