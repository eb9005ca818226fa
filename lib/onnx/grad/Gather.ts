/**
 * Gather (float data): scatter-add g back into zeros of the data's shape with ScatterND
 * (reduction 'add', so repeated indices accumulate), after moving the gathered axis first.
 */
import { attr, attrInt } from '../attrs';
import { DataType } from '../proto';
import { normAxis } from '../shapes';
import type { VjpRule } from './types';
import { Emit } from './util';

export const Gather: VjpRule = {
  check(ctx) {
    if (ctx.opset < 16) return 'needs opset 16 (ScatterND with reduction)';
    return undefined;
  },
  vjp(ctx) {
    const e = new Emit(ctx);
    const [x, idx] = [ctx.input(0), ctx.input(1)];
    const xShape = ctx.shape(x);
    const iShape = ctx.shape(idx);
    const r = xShape.length;
    const ri = iShape.length;
    const a = normAxis(attrInt(ctx.node, 'axis', 0), r);
    const rest = [...Array(r).keys()].filter((i) => i !== a);
    const xPerm = [a, ...rest];
    const xT = xPerm.map((p) => xShape[p]);
    const gPerm = [
      ...Array.from({ length: ri }, (_, k) => a + k),
      ...Array.from({ length: a }, (_, k) => k),
      ...Array.from({ length: r - a - 1 }, (_, k) => a + ri + k),
    ];
    let ind = ctx.dtype(idx) === DataType.INT64 ? idx : e.op('Cast', [idx], [attr.int('to', DataType.INT64)]);
    const zeroI = e.scalar(0, DataType.INT64);
    const neg = e.op('Less', [ind, zeroI]);
    ind = e.op('Where', [neg, e.add(ind, e.scalar(xShape[a], DataType.INT64)), ind]);
    const ind1 = e.unsqueeze(ind, [ri]);
    const gT = e.transpose(ctx.gradOut(0), gPerm);
    const zeros = e.zeros(xT, ctx.dtype(x));
    const scattered = e.op('ScatterND', [zeros, ind1, gT], [attr.string('reduction', 'add')]);
    const inv = new Array<number>(r);
    xPerm.forEach((p, i) => (inv[p] = i));
    e.transpose(scattered, inv, ctx.gradIn(0));
    return e.nodes;
  },
};
