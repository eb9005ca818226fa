/** ReduceMean: dx = Expand(g reshaped with kept dims, shape(x)) / (number of reduced elements). */
import { attrInt } from '../attrs';
import { reduceAxes } from '../shapes';
import type { VjpContext, VjpRule } from './types';
import { Emit, vouched } from './util';

export function reduceGrad(ctx: VjpContext, mean: boolean): ReturnType<VjpRule['vjp']> {
  const e = new Emit(ctx);
  const x = ctx.input(0);
  const xShape = ctx.shape(x);
  const consts = ctx.node.inputs.map((n) => (n ? ctx.constant(n) : undefined));
  const axes = vouched(ctx, reduceAxes(ctx.node, consts, ctx.opset, xShape.length), 'no compile-time axes');
  const kept = xShape.map((d, i) => (axes.includes(i) ? 1 : d));
  let g = ctx.gradOut(0);
  if (attrInt(ctx.node, 'keepdims', 1) !== 1) g = e.reshape(g, kept);
  if (mean) {
    const count = axes.reduce((p, a) => p * xShape[a], 1);
    g = e.mul(g, e.scalar(1 / count, ctx.dtype(x)));
  }
  e.expand(g, xShape, ctx.gradIn(0));
  return e.nodes;
}

export function reduceCheck(ctx: VjpContext): string | undefined {
  const consts = ctx.node.inputs.map((n) => (n ? ctx.constant(n) : undefined));
  return reduceAxes(ctx.node, consts, ctx.opset, ctx.shape(ctx.input(0)).length) ? undefined : 'axes are not compile-time constants';
}

export const ReduceMean: VjpRule = { vjp: (ctx) => reduceGrad(ctx, true), check: reduceCheck };
