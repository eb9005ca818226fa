import { z } from 'zod';
import { dpsParams } from '../../lib/samplers/dps';
import { defineNode } from '../define';
import { inferRestored, INIT_INPUT, MEASUREMENT_INPUTS, PRIOR_INPUT, SAMPLER_OUTPUTS, sharedSamplerParams } from './sampler-ports';

/** The DPS baseline: DDPM ancestral sampling with a gradient step on ||y - A x0|| each step. */
export default defineNode({
  type: 'spgd:sampler/dps',
  version: 1,
  title: 'DPS sampler',
  category: 'sampler',
  description: 'Diffusion posterior sampling (Chung et al.): ancestral DDPM steps, each followed by a step of size zeta on ||y - A(x0)||.',
  inputs: [PRIOR_INPUT, ...MEASUREMENT_INPUTS, INIT_INPUT],
  outputs: SAMPLER_OUTPUTS,
  params: z.object({
    zeta: dpsParams.shape.zeta,
    steps: dpsParams.shape.steps,
    seed: z.number().int().min(0).default(0).describe('draws the starting and ancestral noise'),
    ...sharedSamplerParams(dpsParams),
  }),
  infer: (_p, inputs) => inferRestored(inputs),
});
