/** Relu: dx = g where x > 0, else 0 (the subgradient at 0 is 0, as in PyTorch). */
import type { VjpRule } from './types';
import { Emit } from './util';

export const Relu: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const x = ctx.input(0);
    const zero = e.scalar(0, ctx.dtype(x));
    const mask = e.op('Greater', [x, zero]);
    e.op('Where', [mask, ctx.gradOut(0), zero], [], ctx.gradIn(0));
    return e.nodes;
  },
};
