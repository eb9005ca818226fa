import { z } from 'zod';
import { spgdParams } from '../../lib/samplers/spgd';
import { defineNode } from '../define';
import { inferRestored, INIT_INPUT, MEASUREMENT_INPUTS, PRIOR_INPUT, SAMPLER_OUTPUTS, sharedSamplerParams } from './sampler-ports';

/**
 * The SPGD sampler ("DDIM step" in the catalog): DDIM denoising steps, each preceded by the
 * warm-up with ADM. Without a Warm-up input it is plain DDIM (N = 0).
 */
export default defineNode({
  type: 'spgd:sampler/spgd',
  version: 1,
  title: 'DDIM step (SPGD sampler)',
  category: 'sampler',
  description: 'Deterministic DDIM steps on the schedule, each preceded by the likelihood warm-up (SPGD). No warm-up input: unconditional DDIM.',
  inputs: [
    PRIOR_INPUT,
    { name: 'schedule', type: 'Schedule', label: 'Schedule' },
    ...MEASUREMENT_INPUTS,
    { name: 'warmup', type: 'Warmup', label: 'Warm-up', optional: true },
    { name: 'momentum', type: 'Momentum', label: 'Momentum', optional: true },
    INIT_INPUT,
  ],
  outputs: SAMPLER_OUTPUTS,
  params: z.object({
    seed: z.number().int().min(0).default(0).describe('draws the starting noise'),
    denoiseFrom: spgdParams.shape.denoiseFrom,
    ...sharedSamplerParams(spgdParams),
  }),
  infer: (_p, inputs) => inferRestored(inputs),
});
