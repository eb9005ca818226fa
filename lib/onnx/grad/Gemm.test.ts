import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Gemm VJP', () => {
  for (const [tA, tB] of [
    [0, 0],
    [1, 0],
    [0, 1],
    [1, 1],
  ]) {
    it(`transA=${tA} transB=${tB}, alpha/beta, broadcast C`, async () => {
      const r = await gradCheck({
        inputs: [
          { name: 'a', shape: tA ? [4, 2] : [2, 4] },
          { name: 'b', shape: tB ? [3, 4] : [4, 3] },
          { name: 'c', shape: [3] },
        ],
        body: (b, a, bb, c) =>
          b.node('Gemm', [a, bb, c], [attr.int('transA', tA), attr.int('transB', tB), attr.float('alpha', 0.7), attr.float('beta', -1.3)]),
      });
      expect(r.maxError).toBeLessThan(r.tol);
    });
  }
});
