/**
 * Conv (1-D/2-D/3-D, any stride, padding, dilation, group): the input gradient is itself a
 * Conv of the stride-upsampled gradient with the flipped, group-transposed kernel
 * (`convInputGrad`). Weights and bias are treated as constants: a weight/bias that depends on
 * the differentiated input is refused at compile time.
 */
import { attrInt, attrInts } from '../attrs';
import { convGeometry } from '../shapes';
import type { VjpRule } from './types';
import { convInputGrad, Emit } from './util';

export const Conv: VjpRule = {
  check(ctx) {
    if (ctx.needsGrad(1)) return 'gradient with respect to the kernel is not supported';
    if (ctx.needsGrad(2)) return 'gradient with respect to the bias is not supported';
    const x = ctx.shape(ctx.input(0));
    if (x.length < 3 || x.length > 5) return `rank-${x.length} input`;
    return undefined;
  },
  vjp(ctx) {
    const e = new Emit(ctx);
    const [x, w] = [ctx.input(0), ctx.input(1)];
    const xShape = ctx.shape(x);
    const wShape = ctx.shape(w);
    const kernel = attrInts(ctx.node, 'kernel_shape') ?? wShape.slice(2);
    const geom = convGeometry(ctx.node, xShape.slice(2), kernel);
    const gShape = ctx.shape(ctx.output(0));
    convInputGrad(e, ctx.gradOut(0), gShape, w, wShape, xShape, geom, attrInt(ctx.node, 'group', 1), ctx.gradIn(0));
    return e.nodes;
  },
};
