/**
 * LayerNormalization (opset 17): normalized over axes [axis, rank); scale/B broadcast over
 * those axes. The Mean/InvStdDev outputs carry no gradient: they may exist, but no forward
 * node may read them.
 *
 * With a unit scale, no bias and the InvStdDev output r present (what `rewrite.ts` makes of a
 * GroupNorm's InstanceNormalization), y is the normalized input itself and, with g1 = r * g,
 * dx = g1 - mean(g1) - y * mean(g1 * y): the input is not read at all and nothing is
 * recomputed (6 full-size passes).
 */
import { attr, attrFloat, attrInt, isConstantFill } from '../attrs';
import { normAxis } from '../shapes';
import type { VjpRule } from './types';
import { Emit, normalizationGrad, unbroadcast } from './util';

/**
 * y * a + b for statistics a, b of shape [1, C, 1...] (one per entry of axis 1): one
 * BatchNormalization pass (mean 0, variance 1, epsilon 0, so exactly y * a + b) where the
 * statistics are per axis-1 entry of one batch item, else Mul + Add.
 */
function affine(e: Emit, y: string, a: string, b: string, axis: number, shape: readonly number[], dt: number): string {
  if (shape[0] !== 1 || axis !== 2) return e.add(e.mul(y, a), b);
  const c = [shape[1]];
  return e.op('BatchNormalization', [y, e.reshape(a, c), e.reshape(b, c), e.full(c, 0, dt), e.full(c, 1, dt)], [attr.float('epsilon', 0)]);
}

export const LayerNormalization: VjpRule = {
  check(ctx) {
    if (ctx.outputUsed(1) || ctx.outputUsed(2)) return 'the Mean/InvStdDev outputs are not supported';
    return undefined;
  },
  vjp(ctx) {
    const e = new Emit(ctx);
    const [x, scale, bias] = [ctx.input(0), ctx.input(1), ctx.input(2)];
    const xShape = ctx.shape(x);
    const dt = ctx.dtype(x);
    const axis = normAxis(attrInt(ctx.node, 'axis', -1), xShape.length);
    const axes = xShape.map((_, i) => i).filter((i) => i >= axis);
    const g = ctx.gradOut(0);
    const invStd = ctx.output(2);
    const unit = isConstantFill(ctx.constant(scale), 1) && (!bias || isConstantFill(ctx.constant(bias), 0));
    if (invStd && unit && ctx.needsGrad(0) && !ctx.needsGrad(1) && !ctx.needsGrad(2)) {
      const y = ctx.output(0);
      // InvStdDev has the stash type (float unless stash_type says otherwise).
      const r = ctx.dtype(invStd) === dt ? invStd : e.op('Cast', [invStd], [attr.int('to', dt)]);
      const g1 = e.mul(g, r);
      const m1 = e.reduceMean(g1, axes, true);
      const m2 = e.reduceMean(e.mul(g1, y), axes, true);
      e.sub(g1, affine(e, y, m2, m1, axis, xShape, dt), ctx.gradIn(0));
      return e.nodes;
    }
    const gs = e.mul(g, scale);
    const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
    const { xhat } = normalizationGrad(e, x, gs, axes, eps, dt, ctx.needsGrad(0) ? ctx.gradIn(0) : undefined);
    if (ctx.needsGrad(1)) unbroadcast(e, e.mul(g, xhat), xShape, ctx.shape(scale), ctx.gradIn(1));
    if (ctx.needsGrad(2)) unbroadcast(e, g, xShape, ctx.shape(bias), ctx.gradIn(2));
    return e.nodes;
  },
};
