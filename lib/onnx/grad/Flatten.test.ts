import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Flatten VJP', () => {
  it('matches finite differences', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 3, 2] }],
      body: (b, x) => b.node('Tanh', [b.node('Flatten', [x], [attr.int('axis', 2)])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
