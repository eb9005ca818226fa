/**
 * Pow: y = A^B. dA = unbroadcast(g * B * A^(B-1)), dB = unbroadcast(g * y * ln A) (A > 0).
 * B may be an integer tensor (then only dA exists).
 */
import { attr } from '../attrs';
import type { VjpRule } from './types';
import { Emit, unbroadcast } from './util';

export const Pow: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const g = ctx.gradOut(0);
    const gShape = ctx.shape(ctx.output(0));
    const [a, b, y] = [ctx.input(0), ctx.input(1), ctx.output(0)];
    const dt = ctx.dtype(a);
    if (ctx.needsGrad(0)) {
      const bf = ctx.dtype(b) === dt ? b : e.op('Cast', [b], [attr.int('to', dt)]);
      const bm1 = e.sub(bf, e.scalar(1, dt));
      const d = e.mul(e.mul(g, bf), e.op('Pow', [a, bm1]));
      unbroadcast(e, d, gShape, ctx.shape(a), ctx.gradIn(0));
    }
    if (ctx.needsGrad(1)) {
      const d = e.mul(e.mul(g, y), e.op('Log', [a]));
      unbroadcast(e, d, gShape, ctx.shape(b), ctx.gradIn(1));
    }
    return e.nodes;
  },
};
