import { z } from 'zod';
import { diffPirParams } from '../../lib/samplers/diffpir';
import { defineNode } from '../define';
import { inferRestored, INIT_INPUT, MEASUREMENT_INPUTS, PRIOR_INPUT, SAMPLER_OUTPUTS, sharedSamplerParams } from './sampler-ports';

/** DiffPIR: closed-form data step on the denoised estimate, then re-noise. No network gradient. */
export default defineNode({
  type: 'spgd:sampler/diffpir',
  version: 1,
  title: 'DiffPIR sampler',
  category: 'sampler',
  description: 'Plug-and-play diffusion (Zhu et al.): an exact proximal data step on D(x) at each noise level, then partial re-noising (zeta). No backward pass.',
  inputs: [PRIOR_INPUT, { name: 'schedule', type: 'Schedule', label: 'Schedule' }, ...MEASUREMENT_INPUTS, INIT_INPUT],
  outputs: SAMPLER_OUTPUTS,
  params: z.object({
    lambda: diffPirParams.shape.lambda,
    zeta: diffPirParams.shape.zeta,
    seed: z.number().int().min(0).default(0).describe('draws the starting and re-noising noise'),
    ...sharedSamplerParams(diffPirParams),
  }),
  infer: (_p, inputs) => inferRestored(inputs),
});
