/** Classical estimate node <-> lib/samplers 'classical': lambda and sweeps are its own params. */
import { samplerNodeRun } from '../../lib/plan/sampler-node';
import { classicalSampler } from '../../lib/samplers/classical';
import { defineNodeRun } from '../run';
import classical from './classical';

export default defineNodeRun(
  classical,
  samplerNodeRun(classical, {
    sampler: classicalSampler,
    config: (p) => ({ lambda: p.lambda, sweeps: p.sweeps }),
    toGraph: (c) => ({ params: { lambda: c.lambda, sweeps: c.sweeps }, inputs: {} }),
  }),
);
