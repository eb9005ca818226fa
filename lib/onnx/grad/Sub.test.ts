import { describe, expect, it } from 'vitest';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Sub VJP', () => {
  it('matches finite differences with broadcasting', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [3, 1] }, { name: 'b', shape: [2, 1, 4] }],
      body: (b, a, c) => b.node('Sub', [a, c]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('only the subtrahend differentiated', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [4], diff: false }, { name: 'b', shape: [4] }],
      body: (b, a, c) => b.node('Sub', [a, c]),
    });
    expect(Object.keys(r.errors)).toEqual(['b']);
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
