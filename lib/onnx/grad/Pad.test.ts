import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Pad VJP', () => {
  it('constant mode, with a negative (cropping) pad', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [1, 2, 4, 5] }],
      body: (b, x) => b.node('Tanh', [b.node('Pad', [x, b.init('p', DataType.INT64, [8], [0, 0, 1, -1, 0, 0, 2, 1])])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('reflect mode', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [1, 1, 4, 5] }],
      body: (b, x) =>
        b.node('Tanh', [b.node('Pad', [x, b.init('p', DataType.INT64, [8], [0, 0, 2, 1, 0, 0, 1, 3])], [attr.string('mode', 'reflect')])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('reflect mode, pads as large as allowed (axis length - 1) on both sides', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [1, 2, 5, 4] }],
      body: (b, x) =>
        b.node('Tanh', [b.node('Pad', [x, b.init('p', DataType.INT64, [8], [0, 0, 4, 3, 0, 0, 4, 3])], [attr.string('mode', 'reflect')])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('edge mode', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [1, 1, 3, 4] }],
      body: (b, x) =>
        b.node('Tanh', [b.node('Pad', [x, b.init('p', DataType.INT64, [8], [0, 0, 2, 0, 0, 0, 1, 2])], [attr.string('mode', 'edge')])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
