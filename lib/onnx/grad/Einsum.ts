/**
 * Einsum without ellipsis or repeated indices within a term (covers the attention patterns
 * 'bct,bcs->bts' and 'bts,bcs->bct'): the gradient of operand i is the einsum of the output
 * gradient with the other operands onto operand i's indices; indices that appear only in
 * operand i are re-broadcast with Unsqueeze + Expand.
 */
import { attr, attrString } from '../attrs';
import { parseEinsum } from '../shapes';
import type { VjpRule } from './types';
import { Emit } from './util';

export const Einsum: VjpRule = {
  check(ctx) {
    let spec;
    try {
      spec = parseEinsum(attrString(ctx.node, 'equation', ''));
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
    for (const t of [...spec.inputs, spec.output]) if (new Set(t).size !== t.length) return `repeated index in term '${t}'`;
    if (spec.output.length === 0) return 'scalar output';
    return undefined;
  },
  vjp(ctx) {
    const e = new Emit(ctx);
    const spec = parseEinsum(attrString(ctx.node, 'equation', ''));
    const g = ctx.gradOut(0);
    spec.inputs.forEach((term, i) => {
      if (!ctx.needsGrad(i)) return;
      const others = spec.inputs.map((t, k) => ({ t, k })).filter(({ k }) => k !== i);
      const available = new Set([spec.output, ...others.map(({ t }) => t)].join(''));
      const kept = term.split('').filter((ch) => available.has(ch)).join('');
      const eq = `${[spec.output, ...others.map(({ t }) => t)].join(',')}->${kept}`;
      const inputs = [g, ...others.map(({ k }) => ctx.input(k))];
      const xShape = ctx.shape(ctx.input(i));
      if (kept === term) {
        e.op('Einsum', inputs, [attr.string('equation', eq)], ctx.gradIn(i));
        return;
      }
      const partial = e.op('Einsum', inputs, [attr.string('equation', eq)]);
      const missing = term.split('').map((ch, k) => (available.has(ch) ? -1 : k)).filter((k) => k >= 0);
      e.expand(e.unsqueeze(partial, missing), xShape, ctx.gradIn(i));
    });
    return e.nodes;
  },
};
