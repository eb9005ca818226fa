import { z } from 'zod';
import { dapsParams } from '../../lib/samplers/daps';
import { defineNode } from '../define';
import { inferRestored, INIT_INPUT, MEASUREMENT_INPUTS, PRIOR_INPUT, SAMPLER_OUTPUTS, sharedSamplerParams } from './sampler-ports';

/** DAPS: decoupled annealing; Langevin steps on x0 with the operator's gradient only. No backward pass through the network. */
export default defineNode({
  type: 'spgd:sampler/daps',
  version: 1,
  title: 'DAPS sampler',
  category: 'sampler',
  description:
    'Decoupled annealing posterior sampling (Zhang et al.): at each noise level an ODE estimate of x0, Langevin steps on x0 toward the measurement (operator calls only), then fresh noise at the next level.',
  inputs: [PRIOR_INPUT, { name: 'schedule', type: 'Schedule', label: 'Annealing schedule' }, ...MEASUREMENT_INPUTS, INIT_INPUT],
  outputs: SAMPLER_OUTPUTS,
  params: z.object({
    odeSteps: dapsParams.shape.odeSteps,
    langevinSteps: dapsParams.shape.langevinSteps,
    lr: dapsParams.shape.lr,
    lrMinRatio: dapsParams.shape.lrMinRatio,
    tau: dapsParams.shape.tau,
    priorStd: dapsParams.shape.priorStd,
    seed: z.number().int().min(0).default(0).describe('draws the starting, Langevin and re-noising noise'),
    ...sharedSamplerParams(dapsParams),
  }),
  infer: (_p, inputs) => inferRestored(inputs),
});
