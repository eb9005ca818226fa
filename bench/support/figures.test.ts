import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../lib/image/codec';
import type { Tensor } from '../../lib/tensor';
import { gridPng } from './figures';

/** A [3, h, w] image of one colour (values in [-1, 1]). */
const flat = (h: number, w: number, rgb: [number, number, number]): Tensor => {
  const data = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) data.fill(rgb[c], c * h * w, (c + 1) * h * w);
  return { shape: [3, h, w], data };
};

describe('gridPng', () => {
  const images = [flat(20, 30, [1, -1, -1]), flat(20, 30, [-1, -1, 1])];

  it('puts the tiles side by side with 4 px white gaps', () => {
    const g = decodeImage(gridPng(images));
    expect([g.width, g.height]).toEqual([64, 20]);
    const at = (x: number, y: number) => Array.from(g.data.subarray((y * g.width + x) * 3, (y * g.width + x) * 3 + 3));
    expect(at(5, 10)).toEqual([255, 0, 0]);
    expect(at(31, 10)).toEqual([255, 255, 255]);
    expect(at(40, 10)).toEqual([0, 0, 255]);
  });

  it('with labels, captions each tile in a band above and keeps the tiles\' pixels', () => {
    const g = decodeImage(gridPng(images, ['red', 'blue']));
    expect([g.width, g.height]).toEqual([64, 36]);
    const at = (x: number, y: number) => Array.from(g.data.subarray((y * g.width + x) * 3, (y * g.width + x) * 3 + 3));
    expect(at(2, 18)).toEqual([255, 0, 0]);
    expect(at(62, 34)).toEqual([0, 0, 255]);
    expect(at(31, 25)).toEqual([255, 255, 255]);
    expect(() => gridPng(images, ['one'])).toThrow(/1 labels for 2 images/);
  });
});
