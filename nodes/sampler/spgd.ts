import { z } from 'zod';
import { defineNode } from '../define';

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
    { name: 'prior', type: 'Prior', label: 'Prior' },
    { name: 'schedule', type: 'Schedule', label: 'Schedule' },
    { name: 'measurement', type: 'Measurement', label: 'Measurement' },
    { name: 'operator', type: 'Operator', label: 'Operator' },
    { name: 'warmup', type: 'Warmup', label: 'Warm-up', optional: true },
    { name: 'momentum', type: 'Momentum', label: 'Momentum', optional: true },
  ],
  outputs: [
    { name: 'image', type: 'Image', label: 'Restored' },
    { name: 'trace', type: 'Trace', label: 'Trace' },
  ],
  params: z.object({
    seed: z.number().int().min(0).default(0),
    denoiseFrom: z.enum(['reuse', 'fresh']).default('reuse'),
  }),
  infer: (_p, inputs) => {
    const m = inputs.measurement;
    const prior = inputs.prior;
    const errors: string[] = [];
    if (m?.height && m.width && prior?.sizeMultiple && (m.height % prior.sizeMultiple || m.width % prior.sizeMultiple)) {
      errors.push(`the prior needs height and width divisible by ${prior.sizeMultiple}, got ${m.width}x${m.height}`);
    }
    return { outputs: { image: { channels: 3, height: m?.height, width: m?.width } }, errors };
  },
});
