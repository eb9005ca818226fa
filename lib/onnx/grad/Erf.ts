/** Erf (GELU's building block): dx = g * 2/sqrt(pi) * exp(-x^2). */
import type { VjpRule } from './types';
import { Emit } from './util';

export const Erf: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const x = ctx.input(0);
    const c = e.scalar(2 / Math.sqrt(Math.PI), ctx.dtype(x));
    const ex = e.op('Exp', [e.neg(e.mul(x, x))]);
    e.mul(ctx.gradOut(0), e.mul(ex, c), ctx.gradIn(0));
    return e.nodes;
  },
};
