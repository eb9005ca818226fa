/** Add (and, with sign -1, Sub): dA = unbroadcast(g), dB = unbroadcast(+-g). */
import type { VjpRule } from './types';
import { Emit, unbroadcast } from './util';

export function addSubRule(sign: 1 | -1): VjpRule {
  return {
    vjp(ctx) {
      const e = new Emit(ctx);
      const g = ctx.gradOut(0);
      const gShape = ctx.shape(ctx.output(0));
      if (ctx.needsGrad(0)) unbroadcast(e, g, gShape, ctx.shape(ctx.input(0)), ctx.gradIn(0));
      if (ctx.needsGrad(1)) {
        const target = ctx.shape(ctx.input(1));
        if (sign === 1) unbroadcast(e, g, gShape, target, ctx.gradIn(1));
        else unbroadcast(e, e.neg(g), gShape, target, ctx.gradIn(1));
      }
      return e.nodes;
    },
  };
}

export const Add: VjpRule = addSubRule(1);
