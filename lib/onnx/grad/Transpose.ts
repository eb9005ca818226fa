/** Transpose: dx = Transpose(g, inverse(perm)). */
import { attrInts } from '../attrs';
import type { VjpRule } from './types';
import { Emit } from './util';

export const Transpose: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const rank = ctx.shape(ctx.input(0)).length;
    const perm = attrInts(ctx.node, 'perm') ?? [...Array(rank).keys()].reverse();
    const inv = new Array<number>(rank);
    perm.forEach((p, i) => (inv[p] = i));
    e.transpose(ctx.gradOut(0), inv, ctx.gradIn(0));
    return e.nodes;
  },
};
