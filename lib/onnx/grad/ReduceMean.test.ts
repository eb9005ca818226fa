import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('ReduceMean VJP', () => {
  it('axes attribute (opset 17), keepdims', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 3, 4] }],
      body: (b, x) => b.node('Tanh', [b.node('ReduceMean', [x], [attr.ints('axes', [1, -1])])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('axes input (opset 18), keepdims=0', async () => {
    const r = await gradCheck({
      opset: 18,
      inputs: [{ name: 'x', shape: [2, 3, 4] }],
      body: (b, x) => b.node('Tanh', [b.node('ReduceMean', [x, b.init('ax', DataType.INT64, [1], [0])], [attr.int('keepdims', 0)])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('all axes', async () => {
    const r = await gradCheck({ inputs: [{ name: 'x', shape: [3, 2] }], body: (b, x) => b.node('Tanh', [b.node('ReduceMean', [x])]) });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
