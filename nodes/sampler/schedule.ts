import { z } from 'zod';
import { karrasParamsShape } from '../../lib/diffusion/karras';
import { defineNode } from '../define';

/** The Karras noise-level grid the sampler walks down. */
export default defineNode({
  type: 'spgd:sampler/schedule',
  version: 1,
  title: 'Noise schedule',
  category: 'sampler',
  description: 'Karras grid of T noise levels from sigma_max down to sigma_min (then 0).',
  inputs: [],
  outputs: [{ name: 'schedule', type: 'Schedule', label: 'Schedule' }],
  params: z.object(karrasParamsShape),
  infer: (p) => (p.sigmaMin < p.sigmaMax ? { outputs: { schedule: { value: p } } } : { errors: ['sigma_min must be below sigma_max'] }),
});
