import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { Rng } from '../rng';
import { createOperator, operatorFromState } from './index';

describe('inpaint-box', () => {
  it.each([
    [256, 256],
    [64, 64],
    [48, 64],
    [37, 53],
  ])('draws an H/2 x W/2 box with its corner in [H/8, H - H/8 - H/2] on %ix%i', (h, w) => {
    const bh = Math.floor(h / 2);
    const bw = Math.floor(w / 2);
    const mh = Math.floor(h / 8);
    const mw = Math.floor(w / 8);
    for (let seed = 0; seed < 50; seed++) {
      const op = createOperator('inpaint-box', [3, h, w], {}, new Rng(seed, 'operator'));
      const box = op.state.box!;
      expect([box.height, box.width]).toEqual([bh, bw]);
      expect(box.top).toBeGreaterThanOrEqual(mh);
      expect(box.top).toBeLessThanOrEqual(h - mh - bh);
      expect(box.left).toBeGreaterThanOrEqual(mw);
      expect(box.left).toBeLessThanOrEqual(w - mw - bw);
    }
  });

  it('is 128x128 in [32, 96] on 256x256 and reaches both ends of the range', () => {
    const tops = new Set<number>();
    for (let seed = 0; seed < 400; seed++) {
      const box = createOperator('inpaint-box', [3, 16, 16], {}, new Rng(seed, 'operator')).state.box!;
      tops.add(box.top);
    }
    // 16x16: box 8x8, margin 2, top in [2, 6]
    expect([...tops].sort()).toEqual([2, 3, 4, 5, 6]);
    const big = createOperator('inpaint-box', [3, 256, 256], {}, new Rng(0, 'operator')).state.box!;
    expect([big.height, big.width]).toEqual([128, 128]);
  });

  it('masks exactly the box on every channel', () => {
    const [c, h, w] = [2, 24, 40];
    const op = createOperator('inpaint-box', [c, h, w], {}, new Rng(7, 'operator'));
    const { top, left, height, width } = op.state.box!;
    const y = op.forward({ shape: [c, h, w], data: new Float32Array(c * h * w).fill(1) }).data;
    for (let k = 0; k < c; k++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          const inside = i >= top && i < top + height && j >= left && j < left + width;
          expect(y[(k * h + i) * w + j]).toBe(inside ? 0 : 1);
        }
      }
    }
  });

  it('rebuilds from a stored box and rejects one that does not fit', () => {
    const op = operatorFromState('inpaint-box', [1, 8, 8], {}, { box: { top: 1, left: 2, height: 3, width: 4 } });
    expect(op.state.mask!.data.filter((v) => v === 0).length).toBe(12);
    let err: SpgdError | undefined;
    try {
      operatorFromState('inpaint-box', [1, 8, 8], {}, { box: { top: 6, left: 2, height: 3, width: 4 } });
    } catch (e) {
      err = e as SpgdError;
    }
    expect(err?.code).toBe('SHAPE_MISMATCH');
    expect(err?.message).toMatch(/does not fit a 8x8 image/);
  });

  it('validates its params', () => {
    expect(() => createOperator('inpaint-box', [3, 64, 64], { size: 0.9, margin: 0.1 }, new Rng(0))).toThrow(
      /size \+ 2 \* margin/,
    );
    expect(() => createOperator('inpaint-box', [3, 1, 64], {}, new Rng(0))).toThrow(/at least 2x2 px/);
  });
});
