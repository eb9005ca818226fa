/**
 * AveragePool: the adjoint of a depthwise box filter. Channels are folded into the batch
 * ([N*C, 1, ...]) and the gradient goes through `convInputGrad` with an all-ones kernel,
 * after dividing by each window's divisor. With no padding (or count_include_pad=1) the
 * divisor is the kernel size; otherwise it is AveragePool(ones)/SumPool(ones), emitted as
 * graph ops on constants (folded by ONNX Runtime). Non-overlapping 2-D windows (stride =
 * kernel, no padding) take a shortcut: nearest up-sampling of g / prod(k).
 */
import { attr, attrInt, attrInts, makeTensor, requiredAttrInts } from '../attrs';
import { DataType } from '../proto';
import { convGeometry } from '../shapes';
import type { VjpRule } from './types';
import { convInputGrad, Emit, numel } from './util';

export const AveragePool: VjpRule = {
  check(ctx) {
    const xShape = ctx.shape(ctx.input(0));
    const kernel = attrInts(ctx.node, 'kernel_shape');
    if (!kernel) return 'no kernel_shape';
    if (attrInt(ctx.node, 'ceil_mode', 0) === 1) {
      const floor = convGeometry(ctx.node, xShape.slice(2), kernel, false).outSpatial;
      const out = ctx.shape(ctx.output(0)).slice(2);
      if (floor.some((d, i) => d !== out[i])) return 'ceil_mode=1 changes the output size';
    }
    return undefined;
  },
  vjp(ctx) {
    const e = new Emit(ctx);
    const x = ctx.input(0);
    const xShape = ctx.shape(x);
    const dt = ctx.dtype(x);
    const kernel = requiredAttrInts(ctx.node, 'kernel_shape');
    const geom = convGeometry(ctx.node, xShape.slice(2), kernel);
    const outShape = ctx.shape(ctx.output(0));
    const dilated = (attrInts(ctx.node, 'dilations') ?? []).some((d) => d !== 1);
    const padded0 = [...geom.padsBegin, ...geom.padsEnd].some((p) => p > 0);
    const tiles = kernel.every((k, i) => geom.strides[i] === k);
    if (xShape.length === 4 && tiles && !padded0 && !dilated) {
      // Non-overlapping windows (AvgPool2d(k) exports): every input pixel is in exactly one
      // window, so dx = nearest up-sampling of g / prod(k), zero-padded where the floor dropped
      // trailing pixels.
      const scaled = e.mul(ctx.gradOut(0), e.scalar(1 / numel(kernel), dt));
      const scales = e.op('Constant', [], [attr.tensor('value', makeTensor('', DataType.FLOAT, [4], [1, 1, kernel[0], kernel[1]]))]);
      let up = e.op('Resize', [scaled, '', scales], [
        attr.string('mode', 'nearest'),
        attr.string('coordinate_transformation_mode', 'asymmetric'),
        attr.string('nearest_mode', 'floor'),
      ]);
      const extra = [0, 1].map((i) => xShape[2 + i] - outShape[2 + i] * kernel[i]);
      if (extra.some((d) => d > 0)) up = e.pad(up, [0, 0, 0, 0], [0, 0, extra[0], extra[1]]);
      e.identity(up, ctx.gradIn(0));
      return e.nodes;
    }
    const nc = xShape[0] * xShape[1];
    const g1Shape = [nc, 1, ...outShape.slice(2)];
    let g = e.reshape(ctx.gradOut(0), g1Shape);
    const padded = [...geom.padsBegin, ...geom.padsEnd].some((p) => p > 0);
    const includePad = attrInt(ctx.node, 'count_include_pad', 0) === 1;
    const ones = e.full([1, 1, ...kernel], 1, dt);
    if (!padded || includePad) {
      g = e.mul(g, e.scalar(1 / numel(kernel), dt));
    } else {
      // 1/divisor = AveragePool(ones) / SumPool(ones): a constant [1, 1, ...out] map.
      const onesX = e.full([1, 1, ...xShape.slice(2)], 1, dt);
      const poolAttrs = [
        attr.ints('kernel_shape', kernel),
        attr.ints('pads', [...geom.padsBegin, ...geom.padsEnd]),
        attr.ints('strides', geom.strides),
        attr.int('count_include_pad', 0),
      ];
      if (attrInts(ctx.node, 'dilations')) poolAttrs.push(attr.ints('dilations', geom.dilations));
      const avg = e.op('AveragePool', [onesX], poolAttrs);
      const sum = e.op('Conv', [onesX, ones], [
        attr.ints('pads', [...geom.padsBegin, ...geom.padsEnd]),
        attr.ints('strides', geom.strides),
        attr.ints('dilations', geom.dilations),
        attr.ints('kernel_shape', kernel),
      ]);
      g = e.mul(g, e.div(avg, sum));
    }
    const x1Shape = [nc, 1, ...xShape.slice(2)];
    const dx = convInputGrad(e, g, g1Shape, ones, [1, 1, ...kernel], x1Shape, geom, 1);
    e.reshape(dx, xShape, ctx.gradIn(0));
    return e.nodes;
  },
};
