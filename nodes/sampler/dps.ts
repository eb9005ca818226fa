import { z } from 'zod';
import { defineNode } from '../define';

/** The DPS baseline: DDPM ancestral sampling with a gradient step on ||y - A x0|| each step. */
export default defineNode({
  type: 'spgd:sampler/dps',
  version: 1,
  title: 'DPS sampler',
  category: 'sampler',
  description: 'Diffusion posterior sampling (Chung et al.): ancestral DDPM steps, each followed by a step of size zeta on ||y - A(x0)||.',
  inputs: [
    { name: 'prior', type: 'Prior', label: 'Prior' },
    { name: 'measurement', type: 'Measurement', label: 'Measurement' },
    { name: 'operator', type: 'Operator', label: 'Operator' },
  ],
  outputs: [
    { name: 'image', type: 'Image', label: 'Restored' },
    { name: 'trace', type: 'Trace', label: 'Trace' },
  ],
  params: z.object({
    zeta: z.number().positive().max(100).default(0.3),
    steps: z.number().int().min(2).max(1000).default(1000),
    seed: z.number().int().min(0).default(0),
  }),
  infer: (_p, inputs) => ({ outputs: { image: { channels: 3, height: inputs.measurement?.height, width: inputs.measurement?.width } } }),
});
