import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import type { OnnxAttribute } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

// float32 only in ONNX Runtime; AveragePool is linear: step 1, tolerance 1e-4.
const check = (xShape: number[], attributes: OnnxAttribute[]) =>
  gradCheck({ dtype: 'float32', linear: true, inputs: [{ name: 'x', shape: xShape }], body: (b, x) => b.node('AveragePool', [x], attributes) });

describe('AveragePool VJP', () => {
  it('2x2 stride 2 (downsampling)', async () => {
    const r = await check([1, 2, 4, 6], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]);
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('3x3 stride 2 pad 1, count_include_pad=0 (border divisors differ)', async () => {
    const r = await check([1, 1, 5, 6], [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1])]);
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('3x3 stride 1 pad 1, count_include_pad=1', async () => {
    const r = await check([2, 1, 4, 4], [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1]), attr.int('count_include_pad', 1)]);
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('odd size with a 2x2 window (last row/column dropped)', async () => {
    const r = await check([1, 1, 5, 5], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]);
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
