/** Sigmoid: dx = g * y * (1 - y). */
import type { VjpRule } from './types';
import { Emit } from './util';

export const Sigmoid: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const y = ctx.output(0);
    const one = e.scalar(1, ctx.dtype(y));
    e.mul(e.mul(ctx.gradOut(0), y), e.sub(one, y), ctx.gradIn(0));
    return e.nodes;
  },
};
