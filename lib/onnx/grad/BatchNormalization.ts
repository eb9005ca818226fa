/**
 * BatchNormalization in inference mode (running statistics are constants):
 * y = scale * (x - mean) / sqrt(var + eps) + B, so dx = g * scale / sqrt(var + eps).
 */
import { attrFloat, attrInt } from '../attrs';
import type { VjpRule } from './types';
import { Emit } from './util';

export const BatchNormalization: VjpRule = {
  check(ctx) {
    if (attrInt(ctx.node, 'training_mode', 0) === 1 || ctx.node.outputs.slice(1).some(Boolean)) return 'training mode';
    if (ctx.needsGrad(3) || ctx.needsGrad(4)) return 'gradient with respect to the running statistics';
    return undefined;
  },
  vjp(ctx) {
    const e = new Emit(ctx);
    const [x, scale, mean, variance] = [0, 1, 3, 4].map((i) => ctx.input(i));
    const xShape = ctx.shape(x);
    const dt = ctx.dtype(x);
    const bshape = [xShape[1], ...xShape.slice(2).map(() => 1)];
    const rstd = e.op('Reciprocal', [e.op('Sqrt', [e.add(variance, e.scalar(attrFloat(ctx.node, 'epsilon', 1e-5), dt))])]);
    const g = ctx.gradOut(0);
    const axes = [0, ...xShape.slice(2).map((_, i) => i + 2)];
    if (ctx.needsGrad(0)) e.mul(g, e.reshape(e.mul(scale, rstd), bshape), ctx.gradIn(0));
    if (ctx.needsGrad(1)) {
      const xhat = e.mul(e.sub(x, e.reshape(mean, bshape)), e.reshape(rstd, bshape));
      e.reduceSum(e.mul(g, xhat), axes, false, ctx.gradIn(1));
    }
    if (ctx.needsGrad(2)) e.reduceSum(g, axes, false, ctx.gradIn(2));
    return e.nodes;
  },
};
