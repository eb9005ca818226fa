import { z } from 'zod';
import { OPERATORS } from '../../lib/operators';
import { TASKS } from '../../lib/operators/types';
import { defineNode } from '../define';

/** The degradation operator A (with its exact adjoint): one of the five tasks. */
export default defineNode({
  type: 'spgd:degradation/degrade',
  version: 1,
  title: 'Degrade operator',
  category: 'degradation',
  description: 'The degradation A: random or box inpainting, Gaussian or motion blur, 4x bicubic downsampling. Masks and kernels are drawn from the seed.',
  inputs: [],
  outputs: [{ name: 'operator', type: 'Operator', label: 'Operator' }],
  params: z.object({
    task: z.enum(TASKS).default('inpaint-random'),
    seed: z.number().int().min(0).default(0),
    /** Task parameters (missing fraction, kernel std, intensity), validated by the operator's own schema. */
    options: z.record(z.string(), z.unknown()).default({}),
  }),
  infer: (p) => {
    const parsed = OPERATORS[p.task].params.safeParse(p.options);
    return {
      outputs: { operator: { task: p.task, options: parsed.success ? parsed.data : undefined } },
      errors: parsed.success ? [] : [`${p.task}: ${parsed.error.issues[0].message}`],
    };
  },
});
