import { describe, expect, it } from 'vitest';
import { gradCheck } from '../../backends/ort-gradcheck';

const awayFromZero = (v: number) => Math.sign(v || 1) * (0.5 + Math.abs(v));

describe('Div VJP', () => {
  it('matches finite differences with broadcasting', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [2, 3, 4] }, { name: 'b', shape: [1, 4], transform: awayFromZero }],
      body: (b, a, c) => b.node('Div', [a, c]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('broadcast numerator', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [3, 1] }, { name: 'b', shape: [3, 5], transform: awayFromZero }],
      body: (b, a, c) => b.node('Div', [a, c]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
