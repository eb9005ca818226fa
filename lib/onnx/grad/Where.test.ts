import { describe, expect, it } from 'vitest';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Where VJP', () => {
  it('routes the gradient by the condition, with broadcasting', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [3, 4] }, { name: 'c', shape: [4] }],
      body: (b, a, c) => {
        const cond = b.init('cond', DataType.BOOL, [3, 1], [1, 0, 1]);
        return b.node('Where', [cond, a, c]);
      },
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
