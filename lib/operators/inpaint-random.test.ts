import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { Rng } from '../rng';
import { tensor } from '../tensor';
import { createOperator, operatorFromState } from './index';

const ones = (shape: number[]) => tensor(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1));

describe('inpaint-random', () => {
  it.each([
    [3, 64, 64],
    [3, 37, 53],
    [1, 5, 7],
  ])('removes exactly floor(0.8*H*W) pixels on %ix%ix%i', (c, h, w) => {
    const op = createOperator('inpaint-random', [c, h, w], {}, new Rng(3, 'operator'));
    const mask = op.state.mask!;
    expect(mask.shape).toEqual([h, w]);
    const missing = mask.data.filter((v) => v === 0).length;
    expect(missing).toBe(Math.floor(0.8 * h * w));
    expect(mask.data.every((v) => v === 0 || v === 1)).toBe(true);
  });

  it('honours the missing fraction', () => {
    const op = createOperator('inpaint-random', [3, 10, 15], { missing: 0.33 }, new Rng(1, 'operator'));
    expect(op.state.mask!.data.filter((v) => v === 0).length).toBe(Math.floor(0.33 * 150));
  });

  it('uses the same mask on every channel', () => {
    const [c, h, w] = [3, 32, 24];
    const op = createOperator('inpaint-random', [c, h, w], {}, new Rng(9, 'operator'));
    const y = op.forward(ones([c, h, w])).data;
    for (let k = 1; k < c; k++) expect(y.subarray(k * h * w, (k + 1) * h * w)).toEqual(y.subarray(0, h * w));
    expect(y.subarray(0, h * w)).toEqual(op.state.mask!.data);
  });

  it('draws different masks for different seeds and streams', () => {
    const a = createOperator('inpaint-random', [3, 16, 16], {}, new Rng(1, 'operator')).state.mask!.data;
    const b = createOperator('inpaint-random', [3, 16, 16], {}, new Rng(2, 'operator')).state.mask!.data;
    const c = createOperator('inpaint-random', [3, 16, 16], {}, new Rng(1, 'other')).state.mask!.data;
    expect(a).not.toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('rebuilds from a user mask and rejects bad ones', () => {
    const mask = tensor([4, 5], Float32Array.from({ length: 20 }, (_, i) => (i % 3 === 0 ? 0 : 1)));
    const op = operatorFromState('inpaint-random', [2, 4, 5], {}, { mask });
    expect(op.forward(ones([2, 4, 5])).data.subarray(0, 20)).toEqual(mask.data);
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as SpgdError;
      }
      throw new Error('did not throw');
    };
    expect(err(() => operatorFromState('inpaint-random', [2, 5, 4], {}, { mask })).code).toBe('SHAPE_MISMATCH');
    const m255 = tensor([4, 5], mask.data.map((v) => v * 255));
    expect(err(() => operatorFromState('inpaint-random', [2, 4, 5], {}, { mask: m255 })).code).toBe('BAD_INPUT');
    expect(err(() => operatorFromState('inpaint-random', [2, 4, 5], {}, {})).message).toMatch(/no mask/);
  });

  it('has the diagonal prox (m y + rho z) / (m + rho)', () => {
    const op = createOperator('inpaint-random', [1, 4, 4], { missing: 0.5 }, new Rng(4, 'operator'));
    const z = tensor([1, 4, 4], new Float32Array(16).fill(2));
    const y = tensor([1, 4, 4], new Float32Array(16).fill(-1));
    const x = op.proxL2!(z, y, 0.5).data;
    const m = op.state.mask!.data;
    for (let i = 0; i < 16; i++) expect(x[i]).toBeCloseTo(m[i] ? (-1 + 0.5 * 2) / 1.5 : 2, 6);
  });
});
