/**
 * MatMul (numpy semantics, batch broadcasting, 1-D operands):
 * dA = unbroadcast(g B^T), dB = unbroadcast(A^T g) over the last two axes.
 */
import type { VjpRule } from './types';
import { Emit, unbroadcast } from './util';

function swapLast(rank: number): number[] {
  const p = [...Array(rank).keys()];
  [p[rank - 2], p[rank - 1]] = [p[rank - 1], p[rank - 2]];
  return p;
}

export const MatMul: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const [a, b] = [ctx.input(0), ctx.input(1)];
    const aS = ctx.shape(a);
    const bS = ctx.shape(b);
    const a2S = aS.length === 1 ? [1, aS[0]] : aS;
    const b2S = bS.length === 1 ? [bS[0], 1] : bS;
    const outBatch = ctx.shape(ctx.output(0)).slice(0, Math.max(a2S.length, b2S.length) - 2);
    const g2S = [...outBatch, a2S[a2S.length - 2], b2S[b2S.length - 1]];
    let g = ctx.gradOut(0);
    if (aS.length === 1 || bS.length === 1) g = e.reshape(g, g2S);
    const a2 = aS.length === 1 ? e.reshape(a, a2S) : a;
    const b2 = bS.length === 1 ? e.reshape(b, b2S) : b;
    if (ctx.needsGrad(0)) {
      const d = e.op('MatMul', [g, e.transpose(b2, swapLast(b2S.length))]);
      const dS = [...outBatch, a2S[a2S.length - 2], a2S[a2S.length - 1]];
      if (aS.length === 1) e.reshape(unbroadcast(e, d, dS, a2S), aS, ctx.gradIn(0));
      else unbroadcast(e, d, dS, aS, ctx.gradIn(0));
    }
    if (ctx.needsGrad(1)) {
      const d = e.op('MatMul', [e.transpose(a2, swapLast(a2S.length)), g]);
      const dS = [...outBatch, b2S[b2S.length - 2], b2S[b2S.length - 1]];
      if (bS.length === 1) e.reshape(unbroadcast(e, d, dS, b2S), bS, ctx.gradIn(1));
      else unbroadcast(e, d, dS, bS, ctx.gradIn(1));
    }
    return e.nodes;
  },
};
