/** Cast between float types: dx = Cast(g, to = dtype(x)). Casts from integers carry no gradient. */
import { attr } from '../attrs';
import type { VjpRule } from './types';
import { Emit } from './util';

export const Cast: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const g = ctx.gradOut(0);
    const to = ctx.dtype(ctx.input(0));
    if (to === ctx.dtype(ctx.output(0))) e.identity(g, ctx.gradIn(0));
    else e.op('Cast', [g], [attr.int('to', to)], ctx.gradIn(0));
    return e.nodes;
  },
};
