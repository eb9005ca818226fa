import { z } from 'zod';
import { OPERATORS } from '../../lib/operators';
import type { TaskName } from '../../lib/operators/types';
import { defineNode } from '../define';

/** y = A(x) + sigma_y n, carrying the ground truth along for metrics. */
export default defineNode({
  type: 'spgd:degradation/simulate',
  version: 1,
  title: 'Simulate measurement',
  category: 'degradation',
  description: 'Applies the operator to a clean image and adds Gaussian noise of std sigma_y (on the [-1, 1] scale).',
  inputs: [
    { name: 'image', type: 'Image', label: 'Clean image' },
    { name: 'operator', type: 'Operator', label: 'Operator' },
  ],
  outputs: [{ name: 'measurement', type: 'Measurement', label: 'Measurement' }],
  params: z.object({
    sigmaY: z.number().min(0).max(1).default(0.05),
    seed: z.number().int().min(0).default(0),
  }),
  infer: (_p, inputs) => {
    const img = inputs.image;
    const task = inputs.operator?.task as TaskName | undefined;
    if (!img?.height || !img.width || !task) return { outputs: { measurement: { ...img } } };
    const reason = OPERATORS[task].checkShape([3, img.height, img.width], inputs.operator?.options);
    return { outputs: { measurement: { channels: 3, height: img.height, width: img.width, task } }, errors: reason ? [reason] : [] };
  },
});
