import { describe, expect, it } from 'vitest';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

const positive = (v: number) => 0.3 + Math.abs(v);

describe('Pow VJP', () => {
  it('base and exponent, broadcast exponent', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [2, 4], transform: positive }, { name: 'p', shape: [4], transform: (v) => 0.5 * v }],
      body: (b, a, p) => b.node('Pow', [a, p]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('constant exponent 2 (as in variance computations)', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [3, 3] }],
      body: (b, a) => b.node('Pow', [a, b.init('two', DataType.DOUBLE, [], [2])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
