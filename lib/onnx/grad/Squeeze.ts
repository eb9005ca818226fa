/** Squeeze only rearranges the shape: dx = Reshape(g, shape(x)). */
import type { VjpRule } from './types';
import { Emit } from './util';

export const Squeeze: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    e.reshape(ctx.gradOut(0), ctx.shape(ctx.input(0)), ctx.gradIn(0));
    return e.nodes;
  },
};
