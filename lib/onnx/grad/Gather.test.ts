import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Gather VJP', () => {
  it('scatter-adds repeated and negative indices along axis 1', async () => {
    const r = await gradCheck({
      inputs: [
        { name: 'x', shape: [2, 4, 3] },
        { name: 'i', shape: [2, 2], dtype: 'int64', values: [0, 3, -1, 0] },
      ],
      body: (b, x, i) => b.node('Tanh', [b.node('Gather', [x, i], [attr.int('axis', 1)])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('scalar index (drops the axis)', async () => {
    const r = await gradCheck({
      inputs: [
        { name: 'x', shape: [3, 4] },
        { name: 'i', shape: [], dtype: 'int64', values: [2] },
      ],
      body: (b, x, i) => b.node('Tanh', [b.node('Gather', [x, i], [attr.int('axis', 0)])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
