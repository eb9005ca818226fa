import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('LogSoftmax VJP', () => {
  it('last axis', async () => {
    const r = await gradCheck({ inputs: [{ name: 'x', shape: [2, 5] }], body: (b, x) => b.node('LogSoftmax', [x], [attr.int('axis', -1)]) });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
