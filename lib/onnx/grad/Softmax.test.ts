import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Softmax VJP', () => {
  it('last axis', async () => {
    const r = await gradCheck({ inputs: [{ name: 'x', shape: [2, 3, 4] }], body: (b, x) => b.node('Softmax', [x], [attr.int('axis', -1)]) });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('middle axis', async () => {
    const r = await gradCheck({ inputs: [{ name: 'x', shape: [2, 3, 4] }], body: (b, x) => b.node('Softmax', [x], [attr.int('axis', 1)]) });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
