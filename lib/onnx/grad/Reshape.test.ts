import { describe, expect, it } from 'vitest';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Reshape VJP', () => {
  it('constant target with 0 and -1 dims', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 3, 4] }],
      body: (b, x) => {
        const y = b.node('Reshape', [x, b.init('s', DataType.INT64, [3], [0, -1, 2])]);
        return b.node('Mul', [y, y]);
      },
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('Shape-derived target (Shape -> Gather -> Unsqueeze -> Concat -> Reshape), folded at compile time', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 6, 2] }],
      body: (b, x) => {
        const s = b.node('Shape', [x]);
        const n = b.node('Gather', [s, b.init('i0', DataType.INT64, [], [0])], [{ name: 'axis', type: 2, i: 0 }]);
        const nu = b.node('Unsqueeze', [n, b.init('ax', DataType.INT64, [1], [0])]);
        const target = b.node('Concat', [nu, b.init('g', DataType.INT64, [2], [3, -1])], [{ name: 'axis', type: 2, i: 0 }]);
        const y = b.node('Reshape', [x, target]);
        return b.node('Mul', [y, b.node('Tanh', [y])]);
      },
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
