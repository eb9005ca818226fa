/** Split: dx = Concat of the outputs' gradients along the axis (zeros for unused outputs). */
import { attr, attrInt } from '../attrs';
import { normAxis } from '../shapes';
import type { VjpRule } from './types';
import { Emit } from './util';

export const Split: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const x = ctx.input(0);
    const axis = normAxis(attrInt(ctx.node, 'axis', 0), ctx.shape(x).length);
    const parts = ctx.node.outputs.map((o, i) => ctx.optionalGradOut(i) ?? e.zeros(ctx.shape(o), ctx.dtype(o)));
    if (parts.length === 1) e.identity(parts[0], ctx.gradIn(0));
    else e.op('Concat', parts, [attr.int('axis', axis)], ctx.gradIn(0));
    return e.nodes;
  },
};
