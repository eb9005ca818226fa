/**
 * Slice (any steps, negative included): scatter g back into a zero tensor of the input's
 * shape with graph ops: flip axes with negative steps, insert (|step|-1) zeros between
 * elements, then crop/pad to place the slice at its start offset.
 */
import { attrInts, tensorValues } from '../attrs';
import { sliceAxes, type SliceAxis } from '../shapes';
import type { VjpContext, VjpRule } from './types';
import { Emit } from './util';

const INT64_MIN = -9223372036854775808;

function sliceParams(ctx: VjpContext): SliceAxis[] | string {
  const xShape = ctx.shape(ctx.input(0));
  if (ctx.opset < 10) {
    const starts = attrInts(ctx.node, 'starts');
    const ends = attrInts(ctx.node, 'ends');
    if (!starts || !ends) return 'Slice without starts/ends';
    return sliceAxes(xShape, starts, ends, attrInts(ctx.node, 'axes'));
  }
  const vals: (number[] | undefined)[] = [];
  for (let i = 1; i <= 4; i++) {
    const name = ctx.input(i);
    if (!name) {
      vals.push(undefined);
      continue;
    }
    const c = ctx.constant(name);
    if (!c) return `Slice input ${i} ('${name}') is not a compile-time constant`;
    vals.push(tensorValues(c));
  }
  const [starts, ends, axes, steps] = vals;
  if (!starts || !ends) return 'Slice without starts/ends';
  return sliceAxes(xShape, starts, ends, axes, steps);
}

export const Slice: VjpRule = {
  check(ctx) {
    const p = sliceParams(ctx);
    return typeof p === 'string' ? p : undefined;
  },
  vjp(ctx) {
    const e = new Emit(ctx);
    const x = ctx.input(0);
    const xShape = ctx.shape(x);
    const params = sliceParams(ctx);
    if (typeof params === 'string') throw new Error(`VJP rule for Slice ('${ctx.node.name}'): ${params}, which its check() refuses`);
    let g = ctx.gradOut(0);
    const shape = ctx.shape(ctx.output(0));
    if (params.some((p) => p.count === 0)) {
      e.zeros(xShape, ctx.dtype(x), ctx.gradIn(0));
      return e.nodes;
    }
    const rank = xShape.length;
    const before = new Array<number>(rank).fill(0);
    const after = new Array<number>(rank).fill(0);
    for (const p of params) {
      const s = Math.abs(p.step);
      let low = p.start;
      if (p.step < 0) {
        g = e.slice(g, [-1], [INT64_MIN], [p.axis], [-1]);
        low = p.start + (p.count - 1) * p.step;
      }
      if (s > 1) {
        const inter = [...shape.slice(0, p.axis), p.count, 1, ...shape.slice(p.axis + 1)];
        const padEnd = new Array<number>(inter.length).fill(0);
        padEnd[p.axis + 1] = s - 1;
        const r = e.reshape(g, inter);
        const padded = e.pad(r, new Array<number>(inter.length).fill(0), padEnd);
        shape[p.axis] = p.count * s;
        g = e.reshape(padded, shape);
      }
      before[p.axis] = low;
      after[p.axis] = xShape[p.axis] - low - shape[p.axis];
    }
    // Crop what runs past the end (trailing inserted zeros), then pad into place.
    const crop = after.map((a, i) => (a < 0 ? shape[i] + a : shape[i]));
    if (after.some((a) => a < 0)) {
      const axes = after.map((a, i) => (a < 0 ? i : -1)).filter((i) => i >= 0);
      g = e.slice(g, axes.map(() => 0), axes.map((i) => crop[i]), axes);
    }
    e.pad(g, before, after.map((a) => Math.max(0, a)), ctx.gradIn(0));
    return e.nodes;
  },
};
