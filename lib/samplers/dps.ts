/**
 * DPS (Chung et al., ICLR 2023), the faithful baseline (spgd-algorithm.md section 5).
 * DDPM ancestral sampling in VP coordinates z over all 1000 steps or a respaced subset:
 *
 *   e  = eps(z, t);   x0 = clip(z / sqrt(abar_t) - sqrt(1/abar_t - 1) e, -1, 1)
 *   z' = c1 x0 + c2 z + [not last] sqrt(var_t) n
 *   R  = ||y - A x0||_2   (not squared);   z = z' - zeta dR/dz   (through clip, A and the network)
 *
 * With a respaced subset t_0 > t_1 > ... the step uses abar_prev = abar_{t_{k+1}} (1 at the end)
 * and beta = 1 - abar_t / abar_prev, as guided-diffusion's respacing does. The variance is
 * betatilde, or for a 6-channel network exp(f log beta + (1 - f) log betatilde), f = (v + 1)/2,
 * Returns x0 of the last step. A warm start (init.ts) begins at the first timestep whose VE noise
 * level sqrt(1/abar_t - 1) is <= sigma_start, from z = sqrt(abar_t) x_init + sqrt(1 - abar_t) n.
 *
 * @example
 *   const sampler = createDps(model, { zeta: 0.3 });          // 1000 forwards + 1000 VJPs
 */
import { z } from 'zod';
import { angleDegrees } from '../diagnostics/angles';
import { ddpmTables, DDPM_STEPS } from '../diffusion/ddpm';
import type { EpsModel, EpsOutput } from '../diffusion/types';
import { DivergedError, throwIfCancelled } from '../errors';
import { allFinite, type Tensor } from '../tensor';
import { residualNormLoss } from './guidance/likelihood';
import { qualityVsTruth } from './quality';
import type { TaskName } from '../operators/types';
import { ensembleShape } from './ensemble';
import { requireInit, warmStartIndex, warmStartShape } from './init';
import { requirePrior } from './prior';
import { defineSampler, type Nfe, type Sampler, type StepResult } from './types';

export const dpsParams = z.object({
  zeta: z.number().positive().max(1e4).default(0.3).describe('step size on ||y - A x0|| (tuned per task and prior)'),
  steps: z.number().int().min(2).max(DDPM_STEPS).default(DDPM_STEPS).describe('ancestral steps (1000, or a respaced subset)'),
  ...warmStartShape,
  ...ensembleShape,
});
export type DpsParams = z.infer<typeof dpsParams>;

export interface DpsState {
  z: Tensor;
  x0: Tensor | null;
  nfe: Nfe;
  prevLikelihoodPull?: Tensor;
  prevPriorPull?: Tensor;
}

/** Evenly spaced integer timesteps from 999 down to 0 (guided-diffusion's "space_timesteps" with one section). */
function respacedTimesteps(steps: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < steps; k++) out.push(Math.round(((DDPM_STEPS - 1) * (steps - 1 - k)) / (steps - 1)));
  return out;
}

function createDps(model: EpsModel, input: Partial<DpsParams>): Sampler<DpsState> {
  const p = dpsParams.parse(input);
  const ts = respacedTimesteps(p.steps);
  const { alphaBar } = ddpmTables();
  // A warm start skips the timesteps whose VE noise level sqrt(1/abar - 1) is above sigma_start.
  const first = warmStartIndex(ts.length, (k) => Math.sqrt(1 / alphaBar[ts[k]] - 1), p.sigmaStart);
  const steps = ts.length - first;

  return {
    method: 'dps',
    steps,
    warmStart: first > 0,
    nfe: { forward: steps, vjp: steps },

    init(ctx) {
      const n = ctx.operator.inShape.reduce((a, b) => a * b, 1);
      const z: Tensor = { shape: [...ctx.operator.inShape], data: ctx.rng.normals(n) };
      if (first > 0) {
        // z = sqrt(abar) x_init + sqrt(1 - abar) n: x_init + sigma n in VP coordinates.
        const init = requireInit(ctx, 'dps');
        const abar = alphaBar[ts[first]];
        const a = Math.sqrt(abar);
        const b = Math.sqrt(1 - abar);
        for (let i = 0; i < n; i++) z.data[i] = a * init.data[i] + b * z.data[i];
      }
      return { z, x0: null, nfe: { forward: 0, vjp: 0 } };
    },

    async step(state, ctx, i): Promise<StepResult<DpsState>> {
      throwIfCancelled(ctx.signal);
      const k = first + i;
      const t = ts[k];
      const last = k === ts.length - 1;
      const abar = alphaBar[t];
      const abarPrev = last ? 1 : alphaBar[ts[k + 1]];
      const alpha = abar / abarPrev;
      const beta = 1 - alpha;
      const c1 = (beta * Math.sqrt(abarPrev)) / (1 - abar);
      const c2 = ((1 - abarPrev) * Math.sqrt(alpha)) / (1 - abar);
      const sqrtRecip = 1 / Math.sqrt(abar);
      const sqrtRecipM1 = Math.sqrt(1 / abar - 1);
      const zt = state.z;
      const len = zt.data.length;

      // Set by the cotangent callback, which epsPullback calls once.
      let x0: Float32Array | undefined;
      let out: EpsOutput | undefined;
      let rNorm = NaN;
      let direct: Float32Array | undefined; // the clip-masked dR/dx0, the non-network part of dR/dz
      const pull = await model.epsPullback(zt, t, (o) => {
        out = o;
        x0 = new Float32Array(len);
        const inside = new Uint8Array(len);
        for (let i = 0; i < len; i++) {
          const v = sqrtRecip * zt.data[i] - sqrtRecipM1 * o.eps.data[i];
          inside[i] = v > -1 && v < 1 ? 1 : 0;
          x0[i] = Math.min(1, Math.max(-1, v));
        }
        const l = residualNormLoss(ctx.operator, ctx.measurement, { shape: zt.shape, data: x0 });
        rNorm = l.value;
        direct = new Float32Array(len);
        const v = new Float32Array(len);
        for (let i = 0; i < len; i++) {
          const c = inside[i] ? l.grad.data[i] : 0;
          direct[i] = c;
          v[i] = -sqrtRecipM1 * c;
        }
        return { shape: zt.shape, data: v };
      });
      if (!x0 || !direct || !out) throw new Error('epsPullback did not call its cotangent function');
      const nfe = { forward: state.nfe.forward + 1, vjp: state.nfe.vjp + 1 };
      const x0t: Tensor = { shape: zt.shape, data: x0 };

      // dR/dz = (1/sqrt(abar)) c + J_eps^T (-sqrt(1/abar - 1) c)
      const grad = new Float32Array(len);
      for (let i = 0; i < len; i++) grad[i] = sqrtRecip * direct[i] + pull.vjp.data[i];

      // Noise is added on every step but the last; there abar_prev < 1, so betatilde > 0 and
      // guided-diffusion's clipping of log(betatilde) at t = 0 never comes into play.
      const betaTilde = (beta * (1 - abarPrev)) / (1 - abar);
      const logBetaTilde = Math.log(betaTilde);
      const extra = out.varianceLogit;
      const next = new Float32Array(len);
      for (let i = 0; i < len; i++) {
        let std = 0;
        if (!last) {
          if (extra) {
            const f = (extra.data[i] + 1) / 2;
            std = Math.exp(0.5 * (f * Math.log(beta) + (1 - f) * logBetaTilde));
          } else {
            std = Math.sqrt(betaTilde);
          }
        }
        const mu = c1 * x0[i] + c2 * zt.data[i];
        next[i] = mu + (last ? 0 : std * ctx.rng.normal()) - p.zeta * grad[i];
      }
      const zNext: Tensor = { shape: zt.shape, data: next };
      if (!allFinite(zNext)) throw new DivergedError(i, null, 'zeta');

      // Diagnostics in VE coordinates x = z / sqrt(abar): prior pull x0 - x, likelihood pull -dR/dz.
      const priorPull = new Float32Array(len);
      for (let i = 0; i < len; i++) priorPull[i] = x0[i] - sqrtRecip * zt.data[i];
      const priorPullT: Tensor = { shape: zt.shape, data: priorPull };
      const likelihoodPull = new Float32Array(len);
      let gradSq = 0;
      for (let i = 0; i < len; i++) {
        likelihoodPull[i] = -grad[i];
        gradSq += grad[i] * grad[i];
      }
      const likelihoodPullT: Tensor = { shape: zt.shape, data: likelihoodPull };
      const fluct = state.prevLikelihoodPull ? angleDegrees(likelihoodPullT, state.prevLikelihoodPull) : NaN;
      return {
        state: { z: zNext, x0: x0t, nfe, prevLikelihoodPull: likelihoodPullT, prevPriorPull: priorPullT },
        trace: {
          step: i,
          sigma: sqrtRecipM1,
          t,
          stepSize: p.zeta,
          residualNorm: rNorm,
          gradNorm: Math.sqrt(gradSq),
          admWeights: [],
          conflict: angleDegrees(priorPullT, likelihoodPullT),
          fluctuationRaw: fluct,
          fluctuationAdm: fluct,
          priorStability: state.prevPriorPull ? angleDegrees(priorPullT, state.prevPriorPull) : NaN,
          nfe,
          ...qualityVsTruth(x0t, ctx.groundTruth),
        },
        snapshot: ctx.captureAt?.(i)
          ? { step: i, x: zt, denoised: x0t, grad: { shape: zt.shape, data: grad } }
          : undefined,
      };
    },

    finish(state) {
      if (!state.x0) throw new Error('DPS finished before its first step');
      return state.x0;
    },
  };
}

/** zeta tuned per task for the shipped prior: 1000 ancestral steps, 1 image, zeta in 0.1..3 (bench/results/tuning-dps-zeta.md). */
const TUNED_ZETA: Partial<Record<TaskName, number>> = {
  'inpaint-random': 1,
  'inpaint-box': 1,
  'gaussian-blur': 0.3,
  'motion-blur': 0.3,
  'sr-x4': 1,
};

export const dpsSampler = defineSampler({
  id: 'dps',
  title: 'DPS',
  params: dpsParams,
  needs: () => 'gradient',
  cost: { guidance: 'pullback' },
  create: (prior, p) => createDps(requirePrior(prior, 'dps').eps, p),
  methods: {
    dps: {
      description: 'DPS: DDPM ancestral sampling over 1000 steps, tuned zeta',
      defaults: (task) => ({ steps: 1000, ...(TUNED_ZETA[task] === undefined ? {} : { zeta: TUNED_ZETA[task] }) }),
    },
  },
});
