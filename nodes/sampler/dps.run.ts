/** DPS node <-> lib/samplers 'dps': zeta and steps are the node's own params. */
import { samplerNodeRun } from '../../lib/plan/sampler-node';
import { dpsSampler } from '../../lib/samplers/dps';
import { defineNodeRun } from '../run';
import dps from './dps';

export default defineNodeRun(
  dps,
  samplerNodeRun(dps, {
    sampler: dpsSampler,
    config: (p) => ({ zeta: p.zeta, steps: p.steps }),
    toGraph: (c, seed) => ({ params: { zeta: c.zeta, steps: c.steps, seed }, inputs: {} }),
  }),
);
