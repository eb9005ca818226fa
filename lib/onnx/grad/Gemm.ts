/**
 * Gemm: Y = alpha * A' B' + beta * C (A' = A or A^T, B' = B or B^T).
 * dA' = alpha g B'^T, dB' = alpha A'^T g (both emitted as Gemm with the right transposes),
 * dC = unbroadcast(beta * g).
 */
import { attr, attrFloat, attrInt } from '../attrs';
import type { VjpRule } from './types';
import { Emit, unbroadcast } from './util';

export const Gemm: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const [a, b] = [ctx.input(0), ctx.input(1)];
    const g = ctx.gradOut(0);
    const alpha = attrFloat(ctx.node, 'alpha', 1);
    const beta = attrFloat(ctx.node, 'beta', 1);
    const tA = attrInt(ctx.node, 'transA', 0);
    const tB = attrInt(ctx.node, 'transB', 0);
    const gemm = (p: string, q: string, ta: number, tb: number, out: string) =>
      e.op('Gemm', [p, q], [attr.float('alpha', alpha), attr.int('transA', ta), attr.int('transB', tb)], out);
    if (ctx.needsGrad(0)) {
      if (!tA) gemm(g, b, 0, tB ? 0 : 1, ctx.gradIn(0));
      else gemm(b, g, tB ? 1 : 0, 1, ctx.gradIn(0));
    }
    if (ctx.needsGrad(1)) {
      if (!tB) gemm(a, g, tA ? 0 : 1, 0, ctx.gradIn(1));
      else gemm(g, a, 1, tA ? 1 : 0, ctx.gradIn(1));
    }
    if (ctx.needsGrad(2)) {
      const c = ctx.input(2);
      const scaled = beta === 1 ? g : e.mul(g, e.scalar(beta, ctx.dtype(c)));
      unbroadcast(e, scaled, ctx.shape(ctx.output(0)), ctx.shape(c), ctx.gradIn(2));
    }
    return e.nodes;
  },
};
