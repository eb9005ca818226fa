/** Expand: dx = unbroadcast(g, shape(x)). */
import type { VjpRule } from './types';
import { Emit, unbroadcast } from './util';

export const Expand: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    unbroadcast(e, ctx.gradOut(0), ctx.shape(ctx.output(0)), ctx.shape(ctx.input(0)), ctx.gradIn(0));
    return e.nodes;
  },
};
