import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('ReduceSum VJP', () => {
  it('axes input, keepdims=0', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 3, 4] }],
      body: (b, x) => b.node('Tanh', [b.node('ReduceSum', [x, b.init('ax', DataType.INT64, [2], [0, 2])], [attr.int('keepdims', 0)])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
