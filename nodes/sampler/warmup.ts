import { z } from 'zod';
import { spgdParams } from '../../lib/samplers/spgd';
import { defineNode } from '../define';

const sp = spgdParams.shape;

/** SPGD's progressive likelihood warm-up: N gradient steps before each denoising step. */
export default defineNode({
  type: 'spgd:sampler/warmup',
  version: 1,
  title: 'Warm-up N',
  category: 'sampler',
  description: 'N small likelihood-gradient steps of size eta (decaying linearly to lr_min_ratio) before each denoising step.',
  inputs: [],
  outputs: [{ name: 'warmup', type: 'Warmup', label: 'Warm-up' }],
  // SPGD's own schema (limits and defaults), with the node's names.
  params: z.object({ steps: sp.warmup, eta: sp.eta, lrMinRatio: sp.lrMinRatio }),
  infer: (p) => ({ outputs: { warmup: { value: p } } }),
});
