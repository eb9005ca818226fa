import { describe, expect, it } from 'vitest';
import { tensor } from '../tensor';
import { lineMotionKernel } from './gen/parametric-kernel';
import { blackPixelMask, kernelFromArray, maskFromArray } from './user-data';

describe("the user's mask", () => {
  it('keeps white (>= 0.5) and drops black, from [H, W] or a picture [C, H, W]', () => {
    expect(Array.from(maskFromArray(tensor([2, 2], [0, 0.49, 0.5, 1])).data)).toEqual([0, 0, 1, 1]);
    const grey = maskFromArray(tensor([3, 1, 2], [1, 0, 1, 0, 0.9, 0])); // channel means 0.97, 0
    expect(grey.shape).toEqual([1, 2]);
    expect(Array.from(grey.data)).toEqual([1, 0]);
  });

  it('refuses masks that keep nothing, miss nothing, or are not 2-D', () => {
    expect(() => maskFromArray(tensor([2, 2], [0, 0, 0, 0]))).toThrow(/all black/);
    expect(() => maskFromArray(tensor([2, 2], [1, 1, 1, 1]))).toThrow(/all white/);
    expect(() => maskFromArray(tensor([4], [1, 0, 1, 0]))).toThrow(/2-D/);
    expect(() => maskFromArray(tensor([1, 2], [NaN, 1]))).toThrow(/NaN/);
  });

  it("marks a photo's pure-black pixels missing (all channels), up to an 8-bit level", () => {
    const black = -1;
    const dark = (2 * 3) / 255 - 1; // 8-bit level 3
    const img = tensor([3, 1, 3], [black, dark, 0.5, black, dark, 0.5, black, 0.4, 0.5]);
    expect(Array.from(blackPixelMask(img, 0).data)).toEqual([0, 1, 1]);
    // Pixel 1 is dark on two channels only: kept at any level below the third channel's.
    expect(Array.from(blackPixelMask(img, 3).data)).toEqual([0, 1, 1]);
    const allDark = tensor([3, 1, 3], [black, dark, 0.5, black, dark, 0.5, black, dark, 0.5]);
    expect(Array.from(blackPixelMask(allDark, 3).data)).toEqual([0, 0, 1]);
  });
});

describe("the user's kernel", () => {
  it('clips negatives, normalises to sum 1 and pads even sides to odd', () => {
    const k = kernelFromArray(tensor([2, 2], [1, -1, 1, 2]));
    expect(k.shape).toEqual([3, 3]);
    expect(Array.from(k.data)).toEqual([0.25, 0, 0, 0.25, 0.5, 0, 0, 0, 0]);
  });

  it('refuses what cannot be a kernel, with the reason', () => {
    expect(() => kernelFromArray(tensor([3, 3], new Float32Array(9)))).toThrow(/no positive weight/);
    expect(() => kernelFromArray(tensor([3, 3], new Float32Array(9).fill(-1)))).toThrow(/no positive weight/);
    expect(() => kernelFromArray(tensor([129, 129], new Float32Array(129 * 129).fill(1)))).toThrow(/at most 127/);
    expect(() => kernelFromArray(tensor([3, 21], new Float32Array(63).fill(1)))).toThrow(/not square enough/);
    expect(() => kernelFromArray(tensor([0, 3], new Float32Array(0)))).toThrow(/empty/);
  });

  it('builds straight motion kernels that sum to 1 and follow their angle', () => {
    const h = lineMotionKernel(9, 0);
    const v = lineMotionKernel(9, 90);
    const side = h.shape[0];
    const sum = (a: Float32Array) => a.reduce((x, y) => x + y, 0);
    expect(sum(h.data)).toBeCloseTo(1, 5);
    const centre = (side - 1) / 2;
    // Horizontal: all weight on the centre row; vertical: on the centre column.
    expect(sum(h.data.subarray(centre * side, (centre + 1) * side))).toBeCloseTo(1, 5);
    let col = 0;
    for (let i = 0; i < side; i++) col += v.data[i * side + centre];
    expect(col).toBeCloseTo(1, 5);
  });
});
