import { z } from 'zod';
import { OPERATORS } from '../../lib/operators';
import { TASKS } from '../../lib/operators/types';
import { defineNode } from '../define';

/** The degradation operator A (with its exact adjoint): one of the tasks, optionally from the user's mask or kernel. */
export default defineNode({
  type: 'spgd:degradation/degrade',
  version: 1,
  title: 'Degrade operator',
  category: 'degradation',
  description:
    'The degradation A: random or box inpainting, Gaussian or motion blur, 4x bicubic downsampling. Masks and kernels are drawn from the seed, or taken from a wired Load mask / Load kernel.',
  inputs: [
    { name: 'mask', type: 'Mask', label: 'Mask', optional: true },
    { name: 'kernel', type: 'Kernel', label: 'Kernel', optional: true },
  ],
  outputs: [{ name: 'operator', type: 'Operator', label: 'Operator' }],
  params: z.object({
    task: z.enum(TASKS).default('inpaint-random').describe('the degradation: random or box inpainting, Gaussian or motion blur, 4x super-resolution'),
    seed: z.number().int().min(0).default(0).describe('draws the random mask, box or motion kernel'),
    options: z
      .record(z.string().max(40), z.number())
      .refine((o) => Object.keys(o).length <= 8, 'at most 8 options')
      .default({})
      .describe("the task's parameters (missing fraction, kernel std, intensity), checked by the operator's own schema"),
  }),
  infer: (p, inputs) => {
    const def = OPERATORS[p.task];
    const parsed = def.params.safeParse(p.options);
    const errors = parsed.success ? [] : [`${p.task}: ${parsed.error.issues[0].message}`];
    for (const data of ['mask', 'kernel'] as const) {
      if (inputs[data] && !def.userData?.includes(data)) errors.push(`${p.task} does not take a ${data}; unwire it or pick a task that does`);
    }
    if (def.requires && !inputs[def.requires]) errors.push(`${p.task} needs a ${def.requires}: wire one into the '${def.requires}' input`);
    // A mask fixes the size of the images the operator takes.
    const size = inputs.mask?.height && inputs.mask.width ? { height: inputs.mask.height, width: inputs.mask.width } : {};
    return { outputs: { operator: { task: p.task, options: parsed.success ? parsed.data : undefined, ...size } }, errors };
  },
});
