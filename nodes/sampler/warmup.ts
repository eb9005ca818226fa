import { z } from 'zod';
import { defineNode } from '../define';

/** SPGD's progressive likelihood warm-up: N gradient steps before each denoising step. */
export default defineNode({
  type: 'spgd:sampler/warmup',
  version: 1,
  title: 'Warm-up N',
  category: 'sampler',
  description: 'N small likelihood-gradient steps of size eta (decaying linearly to lr_min_ratio) before each denoising step.',
  inputs: [],
  outputs: [{ name: 'warmup', type: 'Warmup', label: 'Warm-up' }],
  params: z.object({
    steps: z.number().int().min(0).max(50).default(5),
    eta: z.number().positive().max(100).default(1),
    lrMinRatio: z.number().min(0).max(1).default(0.01),
  }),
});
