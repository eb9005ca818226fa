/**
 * Pad: constant mode -> dx = the interior of g (Slice; negative pads cropped the input, so
 * those parts get zeros back with Pad). reflect/edge modes fold the padded border back, one
 * block per side and axis (a reversing Gather for reflect, a ReduceSum for edge); reflect pads
 * that wrap more than once fall back to element-by-element folding.
 */
import { attr, attrString } from '../attrs';
import { padAmounts } from '../shapes';
import type { VjpRule } from './types';
import { Emit, vouched } from './util';

export const Pad: VjpRule = {
  check(ctx) {
    const mode = attrString(ctx.node, 'mode', 'constant');
    const p = padAmounts(ctx.node, ctx.shape(ctx.input(0)).length, ctx.node.inputs.map((n) => (n ? ctx.constant(n) : undefined)), ctx.opset);
    if (!p) return 'pads are not compile-time constants';
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') return `mode '${mode}' is not supported`;
    if (mode !== 'constant' && [...p.begin, ...p.end].some((v) => v < 0)) return `negative pads with mode '${mode}'`;
    return undefined;
  },
  vjp(ctx) {
    const e = new Emit(ctx);
    const x = ctx.input(0);
    const xShape = ctx.shape(x);
    const rank = xShape.length;
    const p = vouched(ctx, padAmounts(ctx.node, rank, ctx.node.inputs.map((n) => (n ? ctx.constant(n) : undefined)), ctx.opset), 'no compile-time pads');
    const mode = attrString(ctx.node, 'mode', 'constant');
    let g = ctx.gradOut(0);
    const shape = ctx.shape(ctx.output(0));
    if (mode !== 'constant') {
      // Fold each axis' border into the interior, one axis at a time.
      for (let a = 0; a < rank; a++) {
        const [b, en, n] = [p.begin[a], p.end[a], xShape[a]];
        if (b === 0 && en === 0) continue;
        const terms: string[] = [];
        const interior = e.slice(g, [b], [b + n], [a]);
        terms.push(interior);
        const before = (k: number) => Array.from({ length: rank }, (_, i) => (i === a ? k : 0));
        if (mode === 'reflect' && b < n && en < n) {
          // One reflection per side: the border block, reversed, lands on input 1..b (start)
          // and n-1-en..n-2 (end). The reversal is a Gather with explicit indices (ONNX Runtime
          // 1.30's WebGPU EP gets negative-step Slices with a nonzero start wrong).
          const reversed = (from: number, to: number) =>
            e.op('Gather', [g, e.i64(Array.from({ length: from - to + 1 }, (_, k) => from - k), 'reverse')], [attr.int('axis', a)]);
          if (b > 0) terms.push(e.pad(reversed(b - 1, 0), before(1), before(n - 1 - b)));
          if (en > 0) terms.push(e.pad(reversed(b + n + en - 1, b + n), before(n - 1 - en), before(1)));
          g = terms.reduce((acc, t) => e.add(acc, t));
          shape[a] = n;
          continue;
        }
        if (mode === 'edge') {
          // Every border element maps to the first (start) or last (end) input element.
          if (b > 0) terms.push(e.pad(e.reduceSum(e.slice(g, [0], [b], [a]), [a], true), before(0), before(n - 1)));
          if (en > 0) terms.push(e.pad(e.reduceSum(e.slice(g, [b + n], [b + n + en], [a]), [a], true), before(n - 1), before(0)));
          g = terms.reduce((acc, t) => e.add(acc, t));
          shape[a] = n;
          continue;
        }
        // Border element at padded index j maps to input index m(j); accumulate one-by-one.
        const map = (j: number): number => {
          const i = j - b; // input coordinate, outside [0, n)
          if (mode === 'edge') return Math.min(Math.max(i, 0), n - 1);
          let r = i;
          while (r < 0 || r >= n) r = r < 0 ? -r : 2 * (n - 1) - r;
          return r;
        };
        for (let j = 0; j < shape[a]; j++) {
          if (j >= b && j < b + n) continue;
          const m = map(j);
          const piece = e.slice(g, [j], [j + 1], [a]);
          const before = new Array<number>(rank).fill(0);
          const after = new Array<number>(rank).fill(0);
          before[a] = m;
          after[a] = n - m - 1;
          terms.push(e.pad(piece, before, after));
        }
        g = terms.reduce((acc, t) => e.add(acc, t));
        shape[a] = n;
      }
      e.identity(g, ctx.gradIn(0));
      return e.nodes;
    }
    const starts = p.begin.map((b) => Math.max(0, b));
    const ends = p.end.map((en, i) => shape[i] - Math.max(0, en));
    const axes = [...Array(rank).keys()].filter((i) => p.begin[i] > 0 || p.end[i] > 0);
    if (axes.length) g = e.slice(g, axes.map((i) => starts[i]), axes.map((i) => ends[i]), axes);
    const regrow = p.begin.some((b) => b < 0) || p.end.some((en) => en < 0);
    if (regrow) e.pad(g, p.begin.map((b) => Math.max(0, -b)), p.end.map((en) => Math.max(0, -en)), ctx.gradIn(0));
    else e.identity(g, ctx.gradIn(0));
    return e.nodes;
  },
};
