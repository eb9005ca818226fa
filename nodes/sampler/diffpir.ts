import { z } from 'zod';
import { defineNode } from '../define';

/** DiffPIR: closed-form data step on the denoised estimate, then re-noise. No network gradient. */
export default defineNode({
  type: 'spgd:sampler/diffpir',
  version: 1,
  title: 'DiffPIR sampler',
  category: 'sampler',
  description: 'Plug-and-play diffusion (Zhu et al.): an exact proximal data step on D(x) at each noise level, then partial re-noising (zeta). No backward pass.',
  inputs: [
    { name: 'prior', type: 'Prior', label: 'Prior' },
    { name: 'schedule', type: 'Schedule', label: 'Schedule' },
    { name: 'measurement', type: 'Measurement', label: 'Measurement' },
    { name: 'operator', type: 'Operator', label: 'Operator' },
  ],
  outputs: [
    { name: 'image', type: 'Image', label: 'Restored' },
    { name: 'trace', type: 'Trace', label: 'Trace' },
  ],
  params: z.object({
    lambda: z.number().positive().max(1e4).default(7),
    zeta: z.number().min(0).max(1).default(0.3),
    seed: z.number().int().min(0).default(0),
  }),
  infer: (_p, inputs) => ({ outputs: { image: { channels: 3, height: inputs.measurement?.height, width: inputs.measurement?.width } } }),
});
