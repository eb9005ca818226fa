import { describe, expect, it } from 'vitest';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Sqrt VJP', () => {
  it('matches finite differences on a positive domain', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 5], transform: (v) => 0.3 + Math.abs(v) }],
      body: (b, x) => b.node('Sqrt', [x]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
