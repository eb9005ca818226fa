import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Cast VJP', () => {
  it('float64 -> float32 -> float64 round trip (linear, float32 precision)', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 3] }],
      step: 1,
      tol: 1e-6,
      body: (b, x) => b.node('Cast', [b.node('Mul', [b.node('Cast', [x], [attr.int('to', DataType.FLOAT)]), b.init('k', DataType.FLOAT, [3], [1, -2, 3])])], [attr.int('to', DataType.DOUBLE)]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
