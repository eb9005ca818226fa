import { describe, expect, it } from 'vitest';
import { gradCheck } from './ort-gradcheck';

describe('gradCheck (the finite-difference harness itself)', () => {
  it('reports tiny errors for a correct float64 gradient', async () => {
    const r = await gradCheck({ inputs: [{ name: 'x', shape: [3, 4] }], body: (b, x) => b.node('Tanh', [x]) });
    expect(r.maxError).toBeLessThan(1e-8);
    expect(r.checked).toBe(12);
  });
  it('fails a gradient that is off by 0.1%', async () => {
    const r = await gradCheck({ inputs: [{ name: 'x', shape: [3, 4] }], body: (b, x) => b.node('Tanh', [x]), corrupt: 1.001 });
    expect(r.maxError).toBeGreaterThan(r.tol);
  });
  it('fails a float32 linear-op gradient that is off by 0.1%', async () => {
    const r = await gradCheck({
      dtype: 'float32',
      linear: true,
      inputs: [{ name: 'x', shape: [1, 1, 4, 4] }],
      body: (b, x) => b.node('AveragePool', [x], [{ name: 'kernel_shape', type: 7, ints: [2, 2] }]),
      corrupt: 1.001,
    });
    expect(r.maxError).toBeGreaterThan(r.tol);
  });
});
