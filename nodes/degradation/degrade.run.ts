import { parseOperatorParams } from '../../lib/operators';
import type { OperatorState } from '../../lib/operators/types';
import { defineNodeRun } from '../run';
import degrade from './degrade';

export default defineNodeRun(degrade, {
  run(ctx) {
    const p = ctx.params;
    const mask = ctx.optionalInput('mask', 'Mask');
    const kernel = ctx.optionalInput('kernel', 'Kernel');
    const state: OperatorState | undefined = mask ? { mask: mask.tensor } : kernel ? { kernel: kernel.tensor } : undefined;
    return {
      operator: { kind: 'Operator', task: p.task, options: parseOperatorParams(p.task, p.options), seed: p.seed, key: ctx.step.key, ...(state ? { state } : {}) },
    };
  },
});
