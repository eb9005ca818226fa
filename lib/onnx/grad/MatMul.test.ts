import { describe, expect, it } from 'vitest';
import { gradCheck } from '../../backends/ort-gradcheck';

const cases: [number[], number[]][] = [
  [[3, 4], [4, 2]],
  [[2, 3, 4], [4, 5]],
  [[2, 1, 3, 4], [3, 4, 2]],
  [[4], [2, 4, 3]],
  [[2, 3, 4], [4]],
];

describe('MatMul VJP', () => {
  for (const [a, b] of cases) {
    it(`[${a.join(',')}] x [${b.join(',')}]`, async () => {
      const r = await gradCheck({
        inputs: [{ name: 'a', shape: a }, { name: 'b', shape: b }],
        body: (m, x, y) => m.node('MatMul', [x, y]),
      });
      expect(r.maxError).toBeLessThan(r.tol);
    });
  }
});
