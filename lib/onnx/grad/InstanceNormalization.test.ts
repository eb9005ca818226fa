import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';
import { randomValues } from './testing';

// float32 only in ONNX Runtime: smooth op, step 1e-2, tolerance 1e-2.
describe('InstanceNormalization VJP', () => {
  it('input gradient with non-trivial scale/bias', async () => {
    const r = await gradCheck({
      dtype: 'float32',
      inputs: [{ name: 'x', shape: [2, 3, 3, 4] }],
      body: (b, x) =>
        b.node('InstanceNormalization', [x, b.init('s', DataType.FLOAT, [3], [1.5, -0.7, 0.3]), b.init('B', DataType.FLOAT, [3], [0.1, 0.2, -0.3])], [
          attr.float('epsilon', 1e-5),
        ]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('scale and bias gradients', async () => {
    const r = await gradCheck({
      dtype: 'float32',
      inputs: [
        { name: 'x', shape: [1, 2, 3, 3], diff: false, values: randomValues(18, 3) },
        { name: 's', shape: [2] },
        { name: 'B', shape: [2] },
      ],
      body: (b, x, s, bb) => b.node('InstanceNormalization', [x, s, bb]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('PyTorch GroupNorm export pattern (Reshape -> InstanceNormalization -> Reshape -> Mul -> Add)', async () => {
    const r = await gradCheck({
      dtype: 'float32',
      inputs: [{ name: 'x', shape: [1, 4, 3, 3] }],
      body: (b, x) => {
        const g = b.node('Reshape', [x, b.init('gs', DataType.INT64, [3], [1, 2, -1])]);
        const n = b.node('InstanceNormalization', [g, b.init('one', DataType.FLOAT, [2], [1, 1]), b.init('zero', DataType.FLOAT, [2], [0, 0])]);
        const back = b.node('Reshape', [n, b.init('xs', DataType.INT64, [4], [1, 4, 3, 3])]);
        const m = b.node('Mul', [back, b.init('gamma', DataType.FLOAT, [4, 1, 1], [1.2, 0.8, -0.5, 2])]);
        return b.node('Add', [m, b.init('beta', DataType.FLOAT, [4, 1, 1], [0.1, 0, 0.2, -0.1])]);
      },
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
