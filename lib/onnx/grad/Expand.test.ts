import { describe, expect, it } from 'vitest';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Expand VJP', () => {
  it('sums over the expanded axes', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [3, 1] }],
      body: (b, x) => b.node('Tanh', [b.node('Expand', [x, b.init('s', DataType.INT64, [3], [2, 3, 4])])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
