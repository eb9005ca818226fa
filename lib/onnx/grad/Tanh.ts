/** Tanh: dx = g * (1 - y^2). */
import type { VjpRule } from './types';
import { Emit } from './util';

export const Tanh: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const y = ctx.output(0);
    const one = e.scalar(1, ctx.dtype(y));
    e.mul(ctx.gradOut(0), e.sub(one, e.mul(y, y)), ctx.gradIn(0));
    return e.nodes;
  },
};
