import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Split VJP', () => {
  it('explicit sizes, all outputs used (chunk -> scale/shift pattern)', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 6] }],
      body: (b, x) => {
        const [p, q] = b.nodeN('Split', [x, b.init('sp', DataType.INT64, [2], [2, 4])], 2, [attr.int('axis', 1)]);
        return [b.node('Tanh', [p]), b.node('Sigmoid', [q])];
      },
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('equal split with an unused output', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [6, 2] }],
      body: (b, x) => {
        const [p] = b.nodeN('Split', [x], 3, [attr.int('axis', 0)]);
        return b.node('Tanh', [p]);
      },
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
