import { describe, expect, it } from 'vitest';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('BatchNormalization VJP (inference mode)', () => {
  it('input, scale and bias gradients', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 3, 2, 2] }, { name: 's', shape: [3] }, { name: 'B', shape: [3] }],
      body: (b, x, s, bb) =>
        b.node('BatchNormalization', [x, s, bb, b.init('m', DataType.DOUBLE, [3], [0.1, -0.2, 0.3]), b.init('v', DataType.DOUBLE, [3], [1.5, 0.5, 2])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
