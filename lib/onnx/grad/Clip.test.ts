import { describe, expect, it } from 'vitest';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Clip VJP', () => {
  it('passes the gradient inside the bounds only (samples kept off the bounds)', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [4, 5], transform: (v) => (Math.abs(Math.abs(v) - 1) < 0.05 ? v * 1.2 : v) }],
      body: (b, x) => b.node('Clip', [x, b.init('lo', DataType.DOUBLE, [], [-1]), b.init('hi', DataType.DOUBLE, [], [1])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
