/** Exp: dx = g * y. */
import type { VjpRule } from './types';
import { Emit } from './util';

export const Exp: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    e.mul(ctx.gradOut(0), ctx.output(0), ctx.gradIn(0));
    return e.nodes;
  },
};
