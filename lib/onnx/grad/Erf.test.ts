import { describe, expect, it } from 'vitest';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Erf VJP', () => {
  // ONNX Runtime has no double Erf kernel: float32, smooth op, step 1e-2.
  it('matches finite differences (GELU pattern x * 0.5 * (1 + erf(x / sqrt 2)))', async () => {
    const r = await gradCheck({
      dtype: 'float32',
      inputs: [{ name: 'x', shape: [2, 6] }],
      body: (b, x) => {
        const e = b.node('Erf', [b.node('Mul', [x, b.init('rs2', DataType.FLOAT, [], [Math.SQRT1_2])])]);
        const one = b.init('one', DataType.FLOAT, [], [1]);
        const half = b.init('half', DataType.FLOAT, [], [0.5]);
        return b.node('Mul', [b.node('Mul', [x, half]), b.node('Add', [e, one])]);
      },
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
