/**
 * DiffPIR node <-> lib/samplers 'diffpir': steps and sigmas from the Schedule input, lambda and
 * zeta from its params, sigma_y from the measurement wired in.
 */
import { samplerNodeRun } from '../../lib/plan/sampler-node';
import { diffPirSampler } from '../../lib/samplers/diffpir';
import { defineNodeRun } from '../run';
import diffpir from './diffpir';
import { scheduleNode } from './schedule.run';

export default defineNodeRun(
  diffpir,
  samplerNodeRun(diffpir, {
    sampler: diffPirSampler,
    config: (p, inputs) => ({ ...inputs.schedule?.value, lambda: p.lambda, zeta: p.zeta, sigmaY: inputs.measurement?.sigmaY ?? 0.05 }),
    toGraph: (c, seed) => ({
      params: { lambda: c.lambda, zeta: c.zeta, seed },
      inputs: { schedule: scheduleNode(c) },
    }),
  }),
);
