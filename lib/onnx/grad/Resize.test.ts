import { describe, expect, it } from 'vitest';
import { compileGradientModel } from '../compile';
import { attr } from '../attrs';
import { ModelBuilder } from '../builder';
import { UnsupportedOpError } from '../errors';
import { DataType, type OnnxAttribute } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';

function body(scales: number[] | null, sizes: number[] | null, attributes: OnnxAttribute[]) {
  return (b: ModelBuilder, x: string) => {
    const roi = b.init('roi', DataType.FLOAT, [0], []);
    const sc = scales ? b.init('scales', DataType.FLOAT, [scales.length], scales) : '';
    const inputs = [x, roi, sc];
    if (sizes) inputs.push(b.init('sizes', DataType.INT64, [sizes.length], sizes));
    return b.node('Resize', inputs, attributes);
  };
}

describe('Resize VJP (nearest, integer up-scaling)', () => {
  it('x2 with scales, asymmetric + floor (PyTorch interpolate nearest export)', async () => {
    const r = await gradCheck({
      dtype: 'float32',
      linear: true,
      inputs: [{ name: 'x', shape: [1, 2, 3, 4] }],
      body: body([1, 1, 2, 2], null, [
        attr.string('mode', 'nearest'),
        attr.string('coordinate_transformation_mode', 'asymmetric'),
        attr.string('nearest_mode', 'floor'),
      ]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('x3 by sizes, half_pixel + round_prefer_floor (ONNX defaults)', async () => {
    const r = await gradCheck({
      dtype: 'float32',
      linear: true,
      inputs: [{ name: 'x', shape: [1, 1, 2, 3] }],
      body: body(null, [1, 1, 6, 9], [attr.string('mode', 'nearest')]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('refuses linear mode at compile time, naming the node', () => {
    const b = new ModelBuilder();
    const x = b.input('x', DataType.FLOAT, [1, 1, 2, 2]);
    b.output(body([1, 1, 2, 2], null, [attr.string('mode', 'linear')])(b, x), DataType.FLOAT);
    expect(() => compileGradientModel(b.build(), { inputShapes: { x: [1, 1, 2, 2] }, wrt: ['x'] })).toThrow(UnsupportedOpError);
    expect(() => compileGradientModel(b.build(), { inputShapes: { x: [1, 1, 2, 2] }, wrt: ['x'] })).toThrow(/Resize 'Resize_\d+' \(mode 'linear'/);
  });
});
