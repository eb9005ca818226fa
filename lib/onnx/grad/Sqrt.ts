/** Sqrt: dx = g / (2 y). */
import type { VjpRule } from './types';
import { Emit } from './util';

export const Sqrt: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const y = ctx.output(0);
    const half = e.scalar(0.5, ctx.dtype(y));
    e.mul(e.div(ctx.gradOut(0), y), half, ctx.gradIn(0));
    return e.nodes;
  },
};
