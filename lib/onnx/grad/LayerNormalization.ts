/**
 * LayerNormalization (opset 17): normalized over axes [axis, rank); scale/B broadcast over
 * those axes. Only the main output may be used (Mean/InvStdDev outputs are refused).
 */
import { attrFloat, attrInt } from '../attrs';
import { normAxis } from '../shapes';
import type { VjpRule } from './types';
import { Emit, normalizationGrad, unbroadcast } from './util';

export const LayerNormalization: VjpRule = {
  check(ctx) {
    if (ctx.node.outputs.slice(1).some(Boolean)) return 'the Mean/InvStdDev outputs are not supported';
    return undefined;
  },
  vjp(ctx) {
    const e = new Emit(ctx);
    const [x, scale] = [ctx.input(0), ctx.input(1)];
    const xShape = ctx.shape(x);
    const dt = ctx.dtype(x);
    const axis = normAxis(attrInt(ctx.node, 'axis', -1), xShape.length);
    const axes = xShape.map((_, i) => i).filter((i) => i >= axis);
    const g = ctx.gradOut(0)!;
    const gs = e.mul(g, scale);
    const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
    const { xhat } = normalizationGrad(e, x, gs, axes, eps, dt, ctx.needsGrad(0) ? ctx.gradIn(0) : undefined);
    if (ctx.needsGrad(1)) unbroadcast(e, e.mul(g, xhat), xShape, ctx.shape(scale), ctx.gradIn(1));
    if (ctx.needsGrad(2)) unbroadcast(e, g, xShape, ctx.shape(ctx.input(2)), ctx.gradIn(2));
    return e.nodes;
  },
};
