import { describe, expect, it } from 'vitest';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Neg VJP', () => {
  it('matches finite differences', async () => {
    const r = await gradCheck({ inputs: [{ name: 'x', shape: [2, 3, 4] }], body: (b, x) => b.node('Neg', [x]) });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
