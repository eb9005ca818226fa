import { z } from 'zod';
import { defineNode } from '../define';

/** The per-step gradient diagnostics of a sampler run, drawn as curves. */
export default defineNode({
  type: 'spgd:analysis/angles',
  version: 1,
  title: 'Gradient angles',
  category: 'analysis',
  description: 'Conflict angle, likelihood fluctuation (raw and after ADM), prior stability, ADM weight and residual norm per step.',
  inputs: [{ name: 'trace', type: 'Trace', label: 'Trace' }],
  outputs: [],
  params: z.object({
    show: z
      .array(z.enum(['conflict', 'fluctuationRaw', 'fluctuationAdm', 'priorStability', 'admWeight', 'residualNorm', 'psnr']))
      .max(7)
      .default(['conflict', 'fluctuationRaw', 'fluctuationAdm', 'priorStability', 'admWeight', 'residualNorm', 'psnr'])
      .describe('the curves the Gradient angles panel draws for this trace (psnr: PSNR and SSIM of D)'),
  }),
});
