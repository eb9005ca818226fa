/** Concat: split g along the axis back into the inputs' extents (Split). */
import { attr, attrInt } from '../attrs';
import { normAxis } from '../shapes';
import type { VjpRule } from './types';
import { Emit } from './util';

export const Concat: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const outShape = ctx.shape(ctx.output(0));
    const axis = normAxis(attrInt(ctx.node, 'axis', 0), outShape.length);
    const parts: number[] = [];
    const names: string[] = [];
    ctx.node.inputs.forEach((inp, i) => {
      if (!inp) return;
      const size = ctx.shape(inp)[axis];
      if (size === 0) return;
      parts.push(size);
      names.push(ctx.needsGrad(i) ? ctx.gradIn(i) : ctx.temp(`unused_${i}`));
    });
    if (names.length === 1) e.identity(ctx.gradOut(0), names[0]);
    else e.opN('Split', [ctx.gradOut(0), e.i64(parts, 'split')], names, [attr.int('axis', axis)]);
    // Zero-size inputs that need a gradient get an empty one.
    ctx.node.inputs.forEach((inp, i) => {
      if (inp && ctx.needsGrad(i) && ctx.shape(inp)[axis] === 0) e.zeros(ctx.shape(inp), ctx.dtype(inp), ctx.gradIn(i));
    });
    return e.nodes;
  },
};
