import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Transpose VJP', () => {
  it('explicit permutation', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 3, 4] }],
      body: (b, x) => b.node('Tanh', [b.node('Transpose', [x], [attr.ints('perm', [2, 0, 1])])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('default (reversed) permutation', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 3, 4] }],
      body: (b, x) => b.node('Tanh', [b.node('Transpose', [x])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
