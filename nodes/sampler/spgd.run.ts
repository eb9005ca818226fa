/**
 * SPGD node <-> lib/samplers 'spgd':
 *   steps, sigmaMax, sigmaMin, rho  from the Schedule input;
 *   warmup (N), eta, lrMinRatio     from the Warm-up input (absent: N = 0, plain DDIM);
 *   beta, admApplied                from the ADM input (absent: beta = 0, applied = false,
 *                                   i.e. the raw gradient is stepped);
 *   denoiseFrom                     from its own params (its seed feeds Rng(seed, 'sampler')).
 */
import { samplerNodeRun } from '../../lib/plan/sampler-node';
import { spgdSampler } from '../../lib/samplers/spgd';
import { defineNodeRun } from '../run';
import adm from './adm';
import { scheduleNode } from './schedule.run';
import spgd from './spgd';
import warmup from './warmup';

export default defineNodeRun(
  spgd,
  samplerNodeRun(spgd, {
    sampler: spgdSampler,
    config(p, inputs) {
      const s = inputs.schedule?.value;
      const w = inputs.warmup?.value;
      const m = inputs.momentum?.value;
      return {
        ...s,
        warmup: w ? w.steps : 0,
        ...(w ? { eta: w.eta, lrMinRatio: w.lrMinRatio } : {}),
        beta: m ? m.beta : 0,
        admApplied: m ? m.applied : false,
        denoiseFrom: p.denoiseFrom,
      };
    },
    toGraph(c, seed) {
      const hasMomentum = c.beta !== 0 || c.admApplied === true;
      return {
        params: { seed, denoiseFrom: c.denoiseFrom },
        inputs: {
          schedule: scheduleNode(c),
          warmup: c.warmup ? { type: warmup.type, params: { steps: c.warmup, eta: c.eta, lrMinRatio: c.lrMinRatio } } : undefined,
          momentum: hasMomentum ? { type: adm.type, params: { beta: c.beta, applied: c.admApplied } } : undefined,
        },
      };
    },
  }),
);
