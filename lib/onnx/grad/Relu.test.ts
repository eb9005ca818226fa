import { describe, expect, it } from 'vitest';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Relu VJP', () => {
  it('matches finite differences away from the kink', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [3, 8], transform: (v) => Math.sign(v || 1) * (0.1 + Math.abs(v)) }],
      body: (b, x) => b.node('Relu', [x]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
