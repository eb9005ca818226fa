import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { DataType, type OnnxAttribute } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';
import { randomValues } from './testing';

// ONNX Runtime has no float64 Conv kernel: float32, and Conv is linear in x, so the finite
// difference uses step 1 (exact up to float32 rounding) and tolerance 1e-4.
async function check(xShape: number[], wShape: number[], attributes: OnnxAttribute[], bias = false) {
  return gradCheck({
    dtype: 'float32',
    linear: true,
    inputs: [{ name: 'x', shape: xShape }],
    body: (b, x) => {
      const w = b.init('w', DataType.FLOAT, wShape, randomValues(wShape.reduce((p, d) => p * d, 1), 7, 0.5));
      const ins = [x, w];
      if (bias) ins.push(b.init('bias', DataType.FLOAT, [wShape[0]], randomValues(wShape[0], 8)));
      return b.node('Conv', ins, attributes);
    },
  });
}

describe('Conv VJP (input gradient as a Conv with the flipped, transposed kernel)', () => {
  it('3x3, stride 1, pad 1, with bias', async () => {
    const r = await check([1, 2, 5, 5], [3, 2, 3, 3], [attr.ints('pads', [1, 1, 1, 1])], true);
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('stride 2, asymmetric pads, dilation, 3x2 kernel, odd sizes', async () => {
    const r = await check([1, 2, 7, 6], [2, 2, 3, 2], [
      attr.ints('pads', [1, 0, 0, 1]),
      attr.ints('strides', [2, 2]),
      attr.ints('dilations', [2, 1]),
    ]);
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('grouped (group 2) with stride 2 and batch 2', async () => {
    const r = await check([2, 4, 5, 5], [6, 2, 3, 3], [attr.int('group', 2), attr.ints('strides', [2, 2]), attr.ints('pads', [1, 1, 1, 1])]);
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('depthwise', async () => {
    const r = await check([1, 3, 5, 4], [3, 1, 3, 3], [attr.int('group', 3), attr.ints('pads', [1, 1, 1, 1])]);
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('1x1 kernel with padding (gradient crop path) and stride 3', async () => {
    const r = await check([1, 2, 5, 7], [2, 2, 1, 1], [attr.ints('pads', [1, 2, 1, 0]), attr.ints('strides', [3, 3])]);
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('auto_pad SAME_UPPER, stride 2', async () => {
    const r = await check([1, 2, 6, 5], [2, 2, 3, 3], [attr.string('auto_pad', 'SAME_UPPER'), attr.ints('strides', [2, 2])]);
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('1-D conv, stride 2, pad 2, dilation 2', async () => {
    const r = await check([1, 3, 11], [2, 3, 3], [attr.ints('pads', [2, 1]), attr.ints('strides', [2]), attr.ints('dilations', [2])]);
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('chained with a nonlinearity (Conv -> Tanh -> Conv), float32 step 1e-2', async () => {
    const r = await gradCheck({
      dtype: 'float32',
      inputs: [{ name: 'x', shape: [1, 2, 4, 4] }],
      body: (b, x) => {
        const w1 = b.init('w1', DataType.FLOAT, [3, 2, 3, 3], randomValues(54, 1, 0.3));
        const w2 = b.init('w2', DataType.FLOAT, [2, 3, 3, 3], randomValues(54, 2, 0.3));
        const h = b.node('Tanh', [b.node('Conv', [x, w1], [attr.ints('pads', [1, 1, 1, 1])])]);
        return b.node('Conv', [h, w2], [attr.ints('pads', [1, 1, 1, 1]), attr.ints('strides', [2, 2])]);
      },
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
