/** LeakyRelu: dx = g where x > 0, else alpha * g. */
import { attrFloat } from '../attrs';
import type { VjpRule } from './types';
import { Emit } from './util';

export const LeakyRelu: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const x = ctx.input(0);
    const dt = ctx.dtype(x);
    const g = ctx.gradOut(0);
    const mask = e.op('Greater', [x, e.scalar(0, dt)]);
    const scaled = e.mul(g, e.scalar(attrFloat(ctx.node, 'alpha', 0.01), dt));
    e.op('Where', [mask, g, scaled], [], ctx.gradIn(0));
    return e.nodes;
  },
};
