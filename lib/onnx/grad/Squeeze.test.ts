import { describe, expect, it } from 'vitest';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Squeeze VJP', () => {
  it('explicit axes', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 1, 3, 1] }],
      body: (b, x) => b.node('Tanh', [b.node('Squeeze', [x, b.init('ax', DataType.INT64, [2], [1, -1])])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('all unit axes (no axes input)', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [1, 3, 1] }],
      body: (b, x) => b.node('Tanh', [b.node('Squeeze', [x])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
