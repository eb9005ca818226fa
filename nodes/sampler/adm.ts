import { z } from 'zod';
import { spgdParams } from '../../lib/samplers/spgd';
import { defineNode } from '../define';

const sp = spgdParams.shape;

/** Adaptive directional momentum over the warm-up gradients. */
export default defineNode({
  type: 'spgd:sampler/adm',
  version: 1,
  title: 'ADM beta',
  category: 'sampler',
  description: 'Smooths warm-up gradients with momentum weighted by their agreement. "applied" off reproduces the released code (momentum computed, raw gradient stepped).',
  inputs: [],
  outputs: [{ name: 'momentum', type: 'Momentum', label: 'Momentum' }],
  // SPGD's own schema (limits and defaults), with the node's names.
  params: z.object({ beta: sp.beta, applied: sp.admApplied }),
  infer: (p) => ({ outputs: { momentum: { value: p } } }),
});
