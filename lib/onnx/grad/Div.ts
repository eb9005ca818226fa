/** Div (float): y = A / B; dA = unbroadcast(g / B), dB = unbroadcast(-g * y / B). */
import type { VjpRule } from './types';
import { Emit, unbroadcast } from './util';

export const Div: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const g = ctx.gradOut(0);
    const gShape = ctx.shape(ctx.output(0));
    const [a, b, y] = [ctx.input(0), ctx.input(1), ctx.output(0)];
    const gb = e.div(g, b);
    if (ctx.needsGrad(0)) unbroadcast(e, gb, gShape, ctx.shape(a), ctx.gradIn(0));
    if (ctx.needsGrad(1)) unbroadcast(e, e.neg(e.mul(gb, y)), gShape, ctx.shape(b), ctx.gradIn(1));
    return e.nodes;
  },
};
