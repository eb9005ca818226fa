import { z } from 'zod';
import { defineNode } from '../define';
import { imageSource, noiseEstimateFrom } from './sources';

/** A real degraded photo (or a saved measurement) as y, at its own size: no ground truth. */
export default defineNode({
  type: 'spgd:input/load-measurement',
  version: 1,
  title: 'Load measurement',
  category: 'input',
  description: 'A degraded photo you have (PNG or JPEG upload, or a float .npy [3, h, w] in [-1, 1]) as the measurement y, at its own size. Wire it into a sampler with the operator that degraded it.',
  inputs: [],
  outputs: [{ name: 'measurement', type: 'Measurement', label: 'Measurement' }],
  params: z.object({
    source: imageSource('sample:default').describe('the degraded photo'),
    sigmaY: z.number().min(0).max(1).meta(noiseEstimateFrom('source')).default(0.05).describe('noise level of the photo (std on the [-1, 1] scale); "estimate" reads it from the photo'),
  }),
  infer: (p, _inputs, described) => ({ outputs: { measurement: { channels: 3, ...described?.measurement, sigmaY: p.sigmaY } } }),
});
