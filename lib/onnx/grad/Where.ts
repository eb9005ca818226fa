/** Where(c, A, B): dA = unbroadcast(g where c), dB = unbroadcast(g where not c). */
import type { VjpRule } from './types';
import { Emit, unbroadcast } from './util';

export const Where: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const g = ctx.gradOut(0);
    const gShape = ctx.shape(ctx.output(0));
    const c = ctx.input(0);
    const zero = e.scalar(0, ctx.dtype(ctx.output(0)));
    if (ctx.needsGrad(1)) unbroadcast(e, e.op('Where', [c, g, zero]), gShape, ctx.shape(ctx.input(1)), ctx.gradIn(1));
    if (ctx.needsGrad(2)) unbroadcast(e, e.op('Where', [c, zero, g]), gShape, ctx.shape(ctx.input(2)), ctx.gradIn(2));
    return e.nodes;
  },
};
