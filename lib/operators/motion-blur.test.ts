import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { Rng } from '../rng';
import { tensor } from '../tensor';
import { blurOperator, type BlurOperator } from './blur2d';
import { motionKernel, motionPath } from './gen/motion-kernel';
import { createOperator, operatorFromState } from './index';
import { correlateValidDirect, correlateValidDirectAdjoint } from './kernels/direct-correlate';
import { foldReflectPad2d, reflectPad2d } from './kernels/reflect-pad';
import { maxAbsDiff, randomTensor, sum } from './testing';

/** Pixels holding more than 1e-3 of the peak. */
function support(k: Float32Array): number {
  let peak = 0;
  for (const v of k) peak = Math.max(peak, v);
  return k.filter((v) => v > 1e-3 * peak).length;
}

describe('motion kernel generator', () => {
  it('is a 61x61 non-negative kernel summing to 1', () => {
    for (const intensity of [0, 0.5, 1]) {
      for (let seed = 0; seed < 5; seed++) {
        const k = motionKernel(new Rng(seed, 'operator'), 61, intensity);
        expect(k.length).toBe(61 * 61);
        expect(k.every((v) => v >= 0)).toBe(true);
        expect(sum(k)).toBeCloseTo(1, 5);
        expect(support(k)).toBeGreaterThan(5);
      }
    }
  });

  it('is reproducible per seed and differs between seeds', () => {
    const a = motionKernel(new Rng(1, 'operator'));
    expect(motionKernel(new Rng(1, 'operator'))).toEqual(a);
    expect(maxAbsDiff(motionKernel(new Rng(2, 'operator')), a)).toBeGreaterThan(1e-3);
  });

  it('grows its support with intensity (mean over seeds)', () => {
    const mean = (intensity: number) => {
      let s = 0;
      for (let seed = 0; seed < 20; seed++) s += support(motionKernel(new Rng(seed, 'operator'), 61, intensity));
      return s / 20;
    };
    const low = mean(0.1);
    const mid = mean(0.5);
    const high = mean(0.9);
    expect(mid).toBeGreaterThan(low);
    expect(high).toBeGreaterThan(1.2 * low);
  });

  it('draws a straight path at intensity 0 and a turning one at intensity 1', () => {
    const turning = (intensity: number) => {
      let total = 0;
      for (let seed = 0; seed < 10; seed++) {
        const { x, y } = motionPath(new Rng(seed, 'operator'), 61, intensity);
        for (let i = 2; i < x.length; i++) {
          const a1 = Math.atan2(y[i - 1] - y[i - 2], x[i - 1] - x[i - 2]);
          const a2 = Math.atan2(y[i] - y[i - 1], x[i] - x[i - 1]);
          total += Math.abs(Math.atan2(Math.sin(a2 - a1), Math.cos(a2 - a1)));
        }
      }
      return total;
    };
    expect(turning(0)).toBeLessThan(1e-9);
    expect(turning(1)).toBeGreaterThan(1);
  });
});

describe('motion-blur operator', () => {
  it.each([
    [3, 40, 36],
    [1, 31, 33],
    [2, 64, 48],
  ])('matches a direct reflect-pad + 61x61 correlation on %ix%ix%i (forward and adjoint)', (c, h, w) => {
    const op = createOperator('motion-blur', [c, h, w], {}, new Rng(5, 'operator')) as BlurOperator;
    expect(op.impl).toBe('fft');
    const k = op.state.kernel!.data;
    const rng = new Rng(1, 'test');
    const x = randomTensor([c, h, w], rng);
    const xp = reflectPad2d(x.data, c, h, w, 30);
    const ref = new Float32Array(c * h * w);
    for (let ch = 0; ch < c; ch++) {
      const plane = xp.subarray(ch * (h + 60) * (w + 60));
      correlateValidDirect(plane, h, w, k, 61, 61, ref.subarray(ch * h * w, (ch + 1) * h * w));
    }
    expect(maxAbsDiff(op.forward(x).data, ref)).toBeLessThan(1e-5);

    const y = randomTensor([c, h, w], rng);
    const padded = new Float32Array(c * (h + 60) * (w + 60));
    for (let ch = 0; ch < c; ch++) {
      const out = padded.subarray(ch * (h + 60) * (w + 60), (ch + 1) * (h + 60) * (w + 60));
      correlateValidDirectAdjoint(y.data.subarray(ch * h * w), h, w, k, 61, 61, out);
    }
    expect(maxAbsDiff(op.adjoint(y).data, foldReflectPad2d(padded, c, h, w, 30))).toBeLessThan(1e-5);
  });

  it('gives the same result with power-of-two FFT lengths', () => {
    const shape = [2, 48, 40];
    const k = tensor([61, 61], motionKernel(new Rng(3, 'operator')));
    const mixed = blurOperator('motion-blur', shape, k);
    const pow2 = blurOperator('motion-blur', shape, k, { pow2Only: true });
    const x = randomTensor(shape, new Rng(4, 'test'));
    expect(maxAbsDiff(mixed.forward(x).data, pow2.forward(x).data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(mixed.adjoint(x).data, pow2.adjoint(x).data)).toBeLessThan(1e-5);
  });

  it('keeps a constant image constant', () => {
    const op = createOperator('motion-blur', [1, 40, 40], { intensity: 0.9 }, new Rng(8, 'operator'));
    const y = op.forward(tensor([1, 40, 40], new Float32Array(1600).fill(-0.4))).data;
    expect(maxAbsDiff(y, new Float32Array(1600).fill(-0.4))).toBeLessThan(1e-5);
  });

  it('applies a user kernel without flipping it', () => {
    // K[30, 31] = 1: (A x)[i, j] = x[i, j + 1] (cross-correlation), reflected at the right edge.
    const k = new Float32Array(61 * 61);
    k[30 * 61 + 31] = 1;
    const op = operatorFromState('motion-blur', [1, 32, 32], {}, { kernel: tensor([61, 61], k) });
    const x = randomTensor([1, 32, 32], new Rng(6, 'test'));
    const y = op.forward(x).data;
    expect(y[5 * 32 + 7]).toBeCloseTo(x.data[5 * 32 + 8], 6);
    expect(y[5 * 32 + 31]).toBeCloseTo(x.data[5 * 32 + 30], 6);
  });

  it('rejects a stored kernel of the wrong size and a too-small image', () => {
    let err: SpgdError | undefined;
    try {
      operatorFromState('motion-blur', [1, 64, 64], {}, { kernel: tensor([31, 31]) });
    } catch (e) {
      err = e as SpgdError;
    }
    expect(err?.code).toBe('SHAPE_MISMATCH');
    expect(err?.message).toMatch(/kernel has shape \[31, 31\], expected \[61, 61\]/);
    expect(() => createOperator('motion-blur', [3, 64, 20], {}, new Rng(0))).toThrow(
      'motion-blur needs the image at least 31x31 px (reflect padding of 30), got 64x20',
    );
  });
});
