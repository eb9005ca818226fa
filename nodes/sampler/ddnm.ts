import { z } from 'zod';
import { ddnmParams } from '../../lib/samplers/ddnm';
import { defineNode } from '../define';
import { inferRestored, INIT_INPUT, MEASUREMENT_INPUTS, PRIOR_INPUT, SAMPLER_OUTPUTS, sharedSamplerParams } from './sampler-ports';

/** DDNM+: range-null-space decomposition with the operator's pseudo-inverse. No backward pass. */
export default defineNode({
  type: 'spgd:sampler/ddnm',
  version: 1,
  title: 'DDNM+ sampler',
  category: 'sampler',
  description:
    'Denoising diffusion null-space model (Wang et al.): at each noise level the range space of A comes from y through the pseudo-inverse, the null space from the prior; noise-aware for noisy y. Forward calls only.',
  inputs: [PRIOR_INPUT, { name: 'schedule', type: 'Schedule', label: 'Schedule' }, ...MEASUREMENT_INPUTS, INIT_INPUT],
  outputs: SAMPLER_OUTPUTS,
  params: z.object({
    zeta: ddnmParams.shape.zeta,
    noiseAware: ddnmParams.shape.noiseAware,
    tikhonov: ddnmParams.shape.tikhonov,
    seed: z.number().int().min(0).default(0).describe('draws the starting and re-noising noise'),
    ...sharedSamplerParams(ddnmParams),
  }),
  infer: (_p, inputs) => inferRestored(inputs),
});
