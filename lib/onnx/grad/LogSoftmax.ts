/** LogSoftmax: dx = g - exp(y) * sum(g) over the softmax axis (axes). */
import { softmaxAxes } from './Softmax';
import type { VjpRule } from './types';
import { Emit } from './util';

export const LogSoftmax: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const g = ctx.gradOut(0);
    const s = e.reduceSum(g, softmaxAxes(ctx), true);
    e.sub(g, e.mul(e.op('Exp', [ctx.output(0)]), s), ctx.gradIn(0));
    return e.nodes;
  },
};
