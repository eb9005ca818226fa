/** Neg: dx = -g. */
import type { VjpRule } from './types';
import { Emit } from './util';

export const Neg: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    e.neg(ctx.gradOut(0), ctx.gradIn(0));
    return e.nodes;
  },
};
