import { z } from 'zod';
import { defineNode } from '../define';

/** Adaptive directional momentum over the warm-up gradients. */
export default defineNode({
  type: 'spgd:sampler/adm',
  version: 1,
  title: 'ADM beta',
  category: 'sampler',
  description: 'Smooths warm-up gradients with momentum weighted by their agreement. "applied" off reproduces the released code (momentum computed, raw gradient stepped).',
  inputs: [],
  outputs: [{ name: 'momentum', type: 'Momentum', label: 'Momentum' }],
  params: z.object({
    beta: z.number().min(0).max(1).default(0.9),
    applied: z.boolean().default(true),
  }),
});
