import { describe, expect, it } from 'vitest';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Unsqueeze VJP', () => {
  it('matches finite differences, then broadcast against another input', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 3] }, { name: 'y', shape: [2, 3, 4] }],
      body: (b, x, y) => b.node('Mul', [b.node('Unsqueeze', [x, b.init('ax', DataType.INT64, [1], [-1])]), y]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
