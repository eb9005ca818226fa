/** Log: dx = g / x. */
import type { VjpRule } from './types';
import { Emit } from './util';

export const Log: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    e.div(ctx.gradOut(0), ctx.input(0), ctx.gradIn(0));
    return e.nodes;
  },
};
