/** Softmax (opset >= 13, one axis): dx = y * (g - sum(g * y)) over the softmax axis. */
import { attrInt } from '../attrs';
import { normAxis } from '../shapes';
import type { VjpContext, VjpRule } from './types';
import { Emit } from './util';

export function softmaxAxes(ctx: VjpContext): number[] {
  const rank = ctx.shape(ctx.input(0)).length;
  return [normAxis(attrInt(ctx.node, 'axis', -1), rank)];
}

export const Softmax: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const y = ctx.output(0);
    const g = ctx.gradOut(0);
    const s = e.reduceSum(e.mul(g, y), softmaxAxes(ctx), true);
    e.mul(y, e.sub(g, s), ctx.gradIn(0));
    return e.nodes;
  },
};
