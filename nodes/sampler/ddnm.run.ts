/**
 * DDNM+ node <-> lib/samplers 'ddnm': steps and sigmas from the Schedule input, zeta, noiseAware
 * and the Tikhonov weight from its params, sigma_y from the measurement wired in.
 */
import { samplerNodeRun } from '../../lib/plan/sampler-node';
import { ddnmSampler } from '../../lib/samplers/ddnm';
import { defineNodeRun } from '../run';
import ddnm from './ddnm';
import { scheduleNode } from './schedule.run';

export default defineNodeRun(
  ddnm,
  samplerNodeRun(ddnm, {
    sampler: ddnmSampler,
    config: (p, inputs) => ({
      ...inputs.schedule?.value,
      zeta: p.zeta,
      noiseAware: p.noiseAware,
      tikhonov: p.tikhonov,
      sigmaY: inputs.measurement?.sigmaY ?? 0.05,
    }),
    toGraph: (c, seed) => ({
      params: { zeta: c.zeta, noiseAware: c.noiseAware, tikhonov: c.tikhonov, seed },
      inputs: { schedule: scheduleNode(c) },
    }),
  }),
);
