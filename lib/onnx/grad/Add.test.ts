import { describe, expect, it } from 'vitest';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Add VJP', () => {
  it('matches finite differences (same shape)', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 3] }],
      body: (b, a, c) => b.node('Add', [a, c]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('matches finite differences with broadcasting on both sides', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [2, 1, 4] }, { name: 'b', shape: [3, 1] }],
      body: (b, a, c) => b.node('Add', [a, c]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('sums fan-out (x + x)', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [5] }],
      body: (b, a) => b.node('Mul', [b.node('Add', [a, a]), a]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
