import { describe, expect, it } from 'vitest';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Identity VJP', () => {
  it('matches finite differences', async () => {
    const r = await gradCheck({ inputs: [{ name: 'x', shape: [5] }], body: (b, x) => b.node('Tanh', [b.node('Identity', [x])]) });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
