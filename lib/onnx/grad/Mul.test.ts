import { describe, expect, it } from 'vitest';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Mul VJP', () => {
  it('matches finite differences (same shape)', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 3] }],
      body: (b, a, c) => b.node('Mul', [a, c]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('matches finite differences with broadcasting ([2,3,4] * [3,1])', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [2, 3, 4] }, { name: 'b', shape: [3, 1] }],
      body: (b, a, c) => b.node('Mul', [a, c]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('x * x (both slots feed the same value)', async () => {
    const r = await gradCheck({ inputs: [{ name: 'a', shape: [6] }], body: (b, a) => b.node('Mul', [a, a]) });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
