import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Concat VJP', () => {
  it('splits the gradient between inputs (skip-connection pattern)', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [1, 2, 3] }, { name: 'b', shape: [1, 3, 3] }],
      body: (b, a, c) => b.node('Tanh', [b.node('Concat', [a, c], [attr.int('axis', 1)])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('with a constant input and the same value twice', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [2, 2] }],
      body: (b, a) => b.node('Tanh', [b.node('Concat', [a, b.init('k', DataType.DOUBLE, [2, 1], [0.5, -1]), a], [attr.int('axis', -1)])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
