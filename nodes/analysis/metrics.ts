import { z } from 'zod';
import { defineNode } from '../define';

/** PSNR / SSIM of a restored image against the ground truth carried by the measurement. */
export default defineNode({
  type: 'spgd:analysis/metrics',
  version: 1,
  title: 'Metrics',
  category: 'analysis',
  description: 'PSNR and SSIM (algorithm page, section 7) against the ground truth; data consistency ||A x - y|| when there is none.',
  inputs: [
    { name: 'image', type: 'Image', label: 'Restored' },
    { name: 'measurement', type: 'Measurement', label: 'Measurement (ground truth)' },
  ],
  outputs: [{ name: 'metrics', type: 'Metrics', label: 'Metrics' }],
  params: z.object({}),
});
