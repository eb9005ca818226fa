/** Clip (opset >= 11, bounds as inputs): dx = g where min < x < max. */
import type { VjpRule } from './types';
import { Emit } from './util';

export const Clip: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const x = ctx.input(0);
    const dt = ctx.dtype(x);
    let g = ctx.gradOut(0);
    const zero = e.scalar(0, dt);
    const lo = ctx.input(1);
    const hi = ctx.input(2);
    if (lo) g = e.op('Where', [e.op('Greater', [x, lo]), g, zero]);
    if (hi) g = e.op('Where', [e.op('Less', [x, hi]), g, zero]);
    e.identity(g, ctx.gradIn(0));
    return e.nodes;
  },
  check(ctx) {
    if (ctx.needsGrad(1) || ctx.needsGrad(2)) return 'gradient with respect to the clip bounds is not supported';
    return undefined;
  },
};
