/**
 * InstanceNormalization: y = scale[c] * xhat + B[c], xhat normalized over the spatial axes of
 * each (n, c). dx = normalization gradient of g * scale; dscale = sum(g * xhat); dB = sum(g).
 * (PyTorch exports GroupNorm as Reshape -> InstanceNormalization -> Reshape -> Mul -> Add with
 * scale 1 and B 0; on the differentiated path that form becomes a LayerNormalization before the
 * backward is built, `rewrite.ts`, and never reaches this rule.)
 */
import { attrFloat } from '../attrs';
import type { VjpRule } from './types';
import { Emit, normalizationGrad } from './util';

export const InstanceNormalization: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const [x, scale] = [ctx.input(0), ctx.input(1)];
    const xShape = ctx.shape(x);
    const dt = ctx.dtype(x);
    const c = xShape[1];
    const spatial = xShape.slice(2).map((_, i) => i + 2);
    const g = ctx.gradOut(0);
    const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
    const scaleB = e.reshape(scale, [c, ...spatial.map(() => 1)]);
    const gs = e.mul(g, scaleB);
    const { xhat } = normalizationGrad(e, x, gs, spatial, eps, dt, ctx.needsGrad(0) ? ctx.gradIn(0) : undefined);
    if (ctx.needsGrad(1)) e.reduceSum(e.mul(g, xhat), [0, ...spatial], false, ctx.gradIn(1));
    if (ctx.needsGrad(2)) e.reduceSum(g, [0, ...spatial], false, ctx.gradIn(2));
    return e.nodes;
  },
};
