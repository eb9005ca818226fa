import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('LayerNormalization VJP', () => {
  it('last axis, float32 (transformer pattern)', async () => {
    const r = await gradCheck({
      dtype: 'float32',
      inputs: [{ name: 'x', shape: [2, 3, 5] }, { name: 's', shape: [5] }, { name: 'B', shape: [5] }],
      body: (b, x, s, bb) => b.node('LayerNormalization', [x, s, bb], [attr.int('axis', -1)]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('over the last two axes, float64', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 3, 4] }, { name: 's', shape: [3, 4] }],
      body: (b, x, s) => b.node('LayerNormalization', [x, s], [attr.int('axis', 1)]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
