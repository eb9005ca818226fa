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
    sigmaY: z.number().min(0).max(1).default(0.05).describe('noise std on the [-1, 1] scale'),
    seed: z.number().int().min(0).default(0).describe('draws the noise'),
  }),
  infer: (p, inputs) => {
    const img = inputs.image;
    const op = inputs.operator;
    const task = op?.task as TaskName | undefined;
    if (!img?.height || !img.width || !op || !task) return { outputs: { measurement: { channels: 3, sigmaY: p.sigmaY } } };
    const def = OPERATORS[task];
    const shape = [3, img.height, img.width];
    const reason =
      op.height && op.width && (op.height !== img.height || op.width !== img.width)
        ? `the operator's mask is ${op.width}x${op.height} px, the image is ${img.width}x${img.height}`
        : def.checkShape(shape, op.options);
    if (reason || !op.options) return { outputs: { measurement: { channels: 3, sigmaY: p.sigmaY } }, errors: reason ? [reason] : [] };
    const [, height, width] = def.outShape(shape, op.options);
    return { outputs: { measurement: { channels: 3, height, width, task, sigmaY: p.sigmaY } } };
  },
});
