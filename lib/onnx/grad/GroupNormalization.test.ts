import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('GroupNormalization VJP', () => {
  it('opset 18 (per-group scale/bias), float64', async () => {
    const r = await gradCheck({
      opset: 18,
      inputs: [{ name: 'x', shape: [2, 4, 2, 3] }, { name: 's', shape: [2] }, { name: 'B', shape: [2] }],
      body: (b, x, s, bb) => b.node('GroupNormalization', [x, s, bb], [attr.int('num_groups', 2), attr.float('epsilon', 1e-5)]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('opset 21 (per-channel scale/bias), float64 statistics (stash_type 11)', async () => {
    const r = await gradCheck({
      opset: 21,
      inputs: [{ name: 'x', shape: [1, 4, 3, 2] }, { name: 's', shape: [4] }, { name: 'B', shape: [4] }],
      body: (b, x, s, bb) => b.node('GroupNormalization', [x, s, bb], [attr.int('num_groups', 2), attr.int('stash_type', 11)]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('constant affine parameters', async () => {
    const r = await gradCheck({
      opset: 18,
      inputs: [{ name: 'x', shape: [1, 6, 2, 2] }],
      body: (b, x) =>
        b.node('GroupNormalization', [x, b.init('s', DataType.DOUBLE, [3], [0.5, 1, 2]), b.init('B', DataType.DOUBLE, [3], [0, 1, 0])], [attr.int('num_groups', 3)]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
