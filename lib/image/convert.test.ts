import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { Rng } from '../rng';
import { tensor, type Tensor } from '../tensor';
import { decodeImage } from './codec';
import { centerCrop, fitToSquare, imageToTensor, resize, tensorToImage, toUnit } from './convert';

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../../tests/fixtures/images/${name}`, import.meta.url))));

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol);
};

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpgdError);
    return (err as SpgdError).code;
  }
  throw new Error('expected an error');
}

describe('imageToTensor / tensorToImage', () => {
  it('maps p -> 2p/255 - 1 into a channels-first [3, H, W] tensor', () => {
    // 2x1 image: pixel 0 = (0, 128, 255), pixel 1 = (10, 20, 30)
    const t = imageToTensor({ width: 2, height: 1, data: new Uint8Array([0, 128, 255, 10, 20, 30]) });
    expect(t.shape).toEqual([3, 1, 2]);
    close(t.data, [-1, (2 * 10) / 255 - 1, (2 * 128) / 255 - 1, (2 * 20) / 255 - 1, 1, (2 * 30) / 255 - 1]);
  });

  it('round-trips every 8-bit value exactly', () => {
    const rng = new Rng(3, 'convert-test');
    const data = new Uint8Array(17 * 9 * 3);
    for (let i = 0; i < data.length; i++) data[i] = i < 256 ? i : rng.int(256);
    const img = { width: 17, height: 9, data };
    const back = tensorToImage(imageToTensor(img));
    expect(back.width).toBe(17);
    expect(back.height).toBe(9);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('clips, rounds half up and maps NaN to 0', () => {
    const half = (127.5 / 255) * 2 - 1; // exactly between levels 127 and 128
    const t = tensor([3, 1, 2], [1.5, -3, half, NaN, 0.99, -0.999]);
    const img = tensorToImage(t);
    // pixel 0 = channels (1.5, half, 0.99), pixel 1 = (-3, NaN, -0.999)
    expect(Array.from(img.data)).toEqual([255, 128, 254, 0, 0, 0]);
  });

  it('accepts [1, 3, H, W] and rejects other shapes', () => {
    const t = tensor([1, 3, 2, 2]);
    expect(tensorToImage(t).data.length).toBe(12);
    expect(codeOf(() => tensorToImage(tensor([4, 2, 2])))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => tensorToImage(tensor([2, 3, 2, 2])))).toBe('SHAPE_MISMATCH');
  });

  it('replicates a greyscale image to three equal channels', () => {
    const t = imageToTensor(decodeImage(fixture('png/grey8.png')));
    const n = t.shape[1] * t.shape[2];
    expect(Array.from(t.data.subarray(n, 2 * n))).toEqual(Array.from(t.data.subarray(0, n)));
    expect(Array.from(t.data.subarray(2 * n))).toEqual(Array.from(t.data.subarray(0, n)));
  });

  it('toUnit maps [-1, 1] to [0, 1] with clipping', () => {
    close(toUnit(tensor([5], [-2, -1, 0, 0.5, 3])).data, [0, 0, 0.5, 0.75, 1]);
  });
});

describe('centerCrop', () => {
  it('takes the floor-centred window of the last two axes', () => {
    const t = tensor([2, 5, 6], Float32Array.from({ length: 60 }, (_, i) => i));
    const c = centerCrop(t, 3, 3);
    expect(c.shape).toEqual([2, 3, 3]);
    // top = floor(2/2) = 1, left = floor(3/2) = 1
    expect(Array.from(c.data.subarray(0, 9))).toEqual([7, 8, 9, 13, 14, 15, 19, 20, 21]);
    expect(c.data[9]).toBe(30 + 7);
  });

  it('refuses a crop larger than the image', () => {
    expect(codeOf(() => centerCrop(tensor([3, 4, 4]), 5, 2))).toBe('IMAGE_TOO_SMALL');
  });
});

describe('resize', () => {
  it('averages 2x2 blocks for an exact factor of 2', () => {
    const t = tensor([1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    const r = resize(t, 1, 2);
    close(r.data, [(1 + 2 + 5 + 6) / 4, (3 + 4 + 7 + 8) / 4]);
  });

  it('uses fractional area overlap for a non-integer factor (3 -> 2)', () => {
    const r = resize(tensor([1, 3], [3, 6, 9]), 1, 2);
    close(r.data, [(3 + 0.5 * 6) / 1.5, (0.5 * 6 + 9) / 1.5]);
  });

  it('keeps a constant image constant and preserves the mean when shrinking by an integer factor', () => {
    const c = resize(tensor([3, 37, 53], new Float32Array(3 * 37 * 53).fill(0.25)), 11, 16);
    for (const v of c.data) expect(v).toBeCloseTo(0.25, 6);
    const rng = new Rng(5, 'resize');
    const t = tensor([1, 40, 60], rng.normals(2400));
    const r = resize(t, 10, 15);
    const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(r.data)).toBeCloseTo(mean(t.data), 5);
  });

  it('interpolates bilinearly with half-pixel centres when enlarging', () => {
    const r = resize(tensor([1, 2], [0, 1]), 1, 4);
    close(r.data, [0, 0.25, 0.75, 1]);
  });

  it('returns a copy when the size does not change', () => {
    const t = tensor([1, 2, 2], [1, 2, 3, 4]);
    const r = resize(t, 2, 2);
    expect(Array.from(r.data)).toEqual([1, 2, 3, 4]);
    expect(r.data).not.toBe(t.data);
  });
});

describe('fitToSquare (--size)', () => {
  const rng = new Rng(9, 'fit');
  const landscape: Tensor = tensor([3, 40, 60], rng.normals(3 * 40 * 60));

  it('resizes the short side to px, then centre-crops', () => {
    const f = fitToSquare(landscape, 20);
    expect(f.shape).toEqual([3, 20, 20]);
    const expected = centerCrop(resize(landscape, 20, 30), 20, 20);
    expect(Array.from(f.data)).toEqual(Array.from(expected.data));
  });

  it('enlarges an image smaller than px', () => {
    expect(fitToSquare(landscape, 64).shape).toEqual([3, 64, 64]);
  });

  it('only crops in crop mode, and then needs a large enough image', () => {
    const f = fitToSquare(landscape, 32, { mode: 'crop' });
    expect(Array.from(f.data)).toEqual(Array.from(centerCrop(landscape, 32, 32).data));
    expect(codeOf(() => fitToSquare(landscape, 48, { mode: 'crop' }))).toBe('IMAGE_TOO_SMALL');
  });

  it('works on a decoded JPEG end to end', () => {
    const img = decodeImage(fixture('coffee-gray.jpg')); // 60 x 40 landscape
    const t = fitToSquare(imageToTensor(img), 32);
    expect(t.shape).toEqual([3, 32, 32]);
    for (const v of t.data) expect(Math.abs(v)).toBeLessThanOrEqual(1);
  });
});
