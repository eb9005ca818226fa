/** Mul: dA = unbroadcast(g * B), dB = unbroadcast(g * A). */
import type { VjpRule } from './types';
import { Emit, unbroadcast } from './util';

export const Mul: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const g = ctx.gradOut(0);
    const gShape = ctx.shape(ctx.output(0));
    const [a, b] = [ctx.input(0), ctx.input(1)];
    if (ctx.needsGrad(0)) unbroadcast(e, e.mul(g, b), gShape, ctx.shape(a), ctx.gradIn(0));
    if (ctx.needsGrad(1)) unbroadcast(e, e.mul(g, a), gShape, ctx.shape(b), ctx.gradIn(1));
    return e.nodes;
  },
};
