import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { ModelBuilder } from '../builder';
import { compileGradientModel } from '../compile';
import { UnsupportedOpError } from '../errors';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

/** LayerNormalization with a unit scale and its InvStdDev output named (what the GroupNorm rewrite makes). */
const unitWithInvStd = (normalized: number[]) => (b: ModelBuilder, x: string) =>
  b.nodeN('LayerNormalization', [x, b.init('ones', DataType.DOUBLE, normalized, new Array(normalized.reduce((p, d) => p * d, 1)).fill(1))], 3, [attr.int('axis', 2)])[0];

describe('LayerNormalization VJP', () => {
  it('last axis, float32 (transformer pattern)', async () => {
    const r = await gradCheck({
      dtype: 'float32',
      inputs: [{ name: 'x', shape: [2, 3, 5] }, { name: 's', shape: [5] }, { name: 'B', shape: [5] }],
      body: (b, x, s, bb) => b.node('LayerNormalization', [x, s, bb], [attr.int('axis', -1)]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('over the last two axes, float64', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 3, 4] }, { name: 's', shape: [3, 4] }],
      body: (b, x, s) => b.node('LayerNormalization', [x, s], [attr.int('axis', 1)]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('unit scale with the InvStdDev output, one image (statistics combined by BatchNormalization), float64', async () => {
    const r = await gradCheck({ inputs: [{ name: 'x', shape: [1, 3, 2, 4] }], body: unitWithInvStd([2, 4]) });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('unit scale with the InvStdDev output, batch of 2 (Mul + Add), float64', async () => {
    const r = await gradCheck({ inputs: [{ name: 'x', shape: [2, 3, 5] }], body: unitWithInvStd([5]) });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('refuses a Mean/InvStdDev output that forward nodes read', () => {
    const b = new ModelBuilder(17);
    const x = b.input('x', DataType.FLOAT, [1, 2, 3]);
    const [y, , inv] = b.nodeN('LayerNormalization', [x, b.init('s', DataType.FLOAT, [3], [1, 1, 1])], 3, [attr.int('axis', 2)]);
    b.output(b.node('Mul', [y, inv]), DataType.FLOAT);
    expect(() => compileGradientModel(b.build(), { inputShapes: { x: [1, 2, 3] }, wrt: ['x'] })).toThrow(UnsupportedOpError);
  });
});
