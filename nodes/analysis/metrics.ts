import { z } from 'zod';
import { defineNode } from '../define';

/** How good a restoration is: data consistency always, PSNR / SSIM where a ground truth is known. */
export default defineNode({
  type: 'spgd:analysis/metrics',
  version: 1,
  title: 'Metrics',
  category: 'analysis',
  description:
    'Data consistency ||A x - y|| against the noise floor sqrt(m) sigma_y (what a perfect restoration leaves), and PSNR / SSIM (algorithm page, section 7) against the ground truth: the simulated measurement\'s own, or an image wired into "Ground truth". A real photo needs its Operator wired in.',
  inputs: [
    { name: 'image', type: 'Image', label: 'Restored' },
    { name: 'measurement', type: 'Measurement', label: 'Measurement' },
    { name: 'operator', type: 'Operator', label: 'Operator', optional: true },
    { name: 'truth', type: 'Image', label: 'Ground truth', optional: true },
  ],
  outputs: [{ name: 'metrics', type: 'Metrics', label: 'Metrics' }],
  params: z.object({}),
});
