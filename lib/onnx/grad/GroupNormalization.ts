/**
 * GroupNormalization (opset 18: scale/bias per group; opset 21: per channel):
 * x [N, C, ...] is viewed as [N, G, C/G * spatial] and normalized over the last axis.
 */
import { attrFloat, attrInt } from '../attrs';
import type { VjpRule } from './types';
import { Emit, normalizationGrad } from './util';

export const GroupNormalization: VjpRule = {
  check(ctx) {
    const xShape = ctx.shape(ctx.input(0));
    const groups = attrInt(ctx.node, 'num_groups', 0);
    if (!groups || xShape[1] % groups !== 0) return `num_groups ${groups} does not divide ${xShape[1]} channels`;
    return undefined;
  },
  vjp(ctx) {
    const e = new Emit(ctx);
    const [x, scale] = [ctx.input(0), ctx.input(1)];
    const xShape = ctx.shape(x);
    const dt = ctx.dtype(x);
    const [n, c] = xShape;
    const groups = attrInt(ctx.node, 'num_groups', 1);
    const m = xShape.slice(1).reduce((p, d) => p * d, 1) / groups;
    const perChannel = ctx.shape(scale)[0] === c && (ctx.opset >= 21 || groups === c);
    const spatial = xShape.slice(2).map((_, i) => i + 2);
    const g = ctx.gradOut(0);
    const grouped = [n, groups, m];
    const xg = e.reshape(x, grouped);
    const gs = perChannel
      ? e.reshape(e.mul(g, e.reshape(scale, [c, ...spatial.map(() => 1)])), grouped)
      : e.mul(e.reshape(g, grouped), e.reshape(scale, [1, groups, 1]));
    const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
    const { dx, xhat } = normalizationGrad(e, xg, gs, [2], eps, dt);
    if (ctx.needsGrad(0)) e.reshape(dx, xShape, ctx.gradIn(0));
    if (ctx.needsGrad(1)) {
      if (perChannel) e.reduceSum(e.mul(g, e.reshape(xhat, xShape)), [0, ...spatial], false, ctx.gradIn(1));
      else e.reduceSum(e.mul(e.reshape(g, grouped), xhat), [0, 2], false, ctx.gradIn(1));
    }
    if (ctx.needsGrad(2)) {
      if (perChannel) e.reduceSum(g, [0, ...spatial], false, ctx.gradIn(2));
      else e.reduceSum(e.reshape(g, grouped), [0, 2], false, ctx.gradIn(2));
    }
    return e.nodes;
  },
};
