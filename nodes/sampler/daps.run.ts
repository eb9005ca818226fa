/**
 * DAPS node <-> lib/samplers 'daps': the annealing levels from the Schedule input, the ODE and
 * Langevin settings from its params, sigma_y from the measurement wired in.
 */
import { samplerNodeRun } from '../../lib/plan/sampler-node';
import { dapsSampler } from '../../lib/samplers/daps';
import { defineNodeRun } from '../run';
import daps from './daps';
import { scheduleNode } from './schedule.run';

const OWN = ['odeSteps', 'langevinSteps', 'lr', 'lrMinRatio', 'tau', 'priorStd'] as const;

export default defineNodeRun(
  daps,
  samplerNodeRun(daps, {
    sampler: dapsSampler,
    config: (p, inputs) => ({
      ...inputs.schedule?.value,
      ...Object.fromEntries(OWN.map((k) => [k, p[k]])),
      sigmaY: inputs.measurement?.sigmaY ?? 0.05,
    }),
    toGraph: (c, seed) => ({
      params: { ...Object.fromEntries(OWN.map((k) => [k, c[k]])), seed },
      inputs: { schedule: scheduleNode(c) },
    }),
  }),
);
