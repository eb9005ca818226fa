import { z } from 'zod';
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
  params: z.object({
    steps: z.number().int().min(1).max(1000).default(100),
    sigmaMax: z.number().positive().max(1000).default(100),
    sigmaMin: z.number().positive().max(10).default(0.1),
    rho: z.number().positive().max(20).default(7),
  }),
  infer: (p) => ({ errors: p.sigmaMin < p.sigmaMax ? [] : ['sigma_min must be below sigma_max'] }),
});
