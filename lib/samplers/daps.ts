/**
 * DAPS, decoupled annealing posterior sampling (Zhang et al., CVPR 2025). Forward calls only: the
 * measurement enters through Langevin steps on x0 that use the operator's gradient, never a
 * gradient through the network. On the Karras (annealing) grid sigma_0 > ... > sigma_{T-1},
 * sigma_T = 0:
 *
 *   x0hat = PF-ODE(x, sigma_i -> 0): M DDIM steps on a Karras grid from sigma_i to 0.01, then D
 *           (M = odeSteps network calls; M = 1 is Tweedie's D(x, sigma_i))
 *   Langevin on p(x0 | x, y) ~ N(x0; x0hat, r_i^2 I) N(y; A x0, tau^2 I), from x0 = x0hat, N steps:
 *     x0 <- x0 + h_i [ (x0hat - x0) / r_i^2 - A^T (A x0 - y) / tau^2 ] + sqrt(2 h_i) n
 *     h_i = lr_i / L_i,  L_i = 1/r_i^2 + ||A||^2 / tau^2,  lr_i = lr (1 + (i/T)(lrMinRatio - 1))
 *   x = x0 + sigma_{i+1} n                                            (x0 itself at the end)
 *
 * r_i = sigma_i as in the paper, or, with `priorStd` s > 0, the conditional std of Gaussian data
 * N(., s^2 I): r_i^2 = sigma_i^2 s^2 / (sigma_i^2 + s^2) (then, for such data, every Langevin
 * target is the exact p(x0 | x, y) and the chain samples the posterior). tau = 0 takes the
 * measurement's sigma_y (the exact likelihood); smaller tau weights the data more, as the paper
 * does. The step is in units of 1/L_i (L_i bounds the curvature of the log-density), so
 * lr in (0, 1] is stable at every noise level; the paper states an absolute step instead
 * (docs/decisions.md). ||A|| comes from a few power iterations per run.
 * Images are [3, H, W] in [-1, 1].
 *
 * @example
 *   const sampler = createDaps(vpDenoiser(model), { steps: 50, odeSteps: 2, langevinSteps: 50, lr: 0.5 });
 *   const { sample } = await runSampler(sampler, { operator, measurement: y, rng: new Rng(0, 'sampler') });
 */
import { z } from 'zod';
import { karrasParamsShape, karrasSigmas } from '../diffusion/karras';
import type { Denoiser } from '../diffusion/types';
import { DivergedError, throwIfCancelled } from '../errors';
import { opNorm } from '../operators/check';
import type { LinearOperator, TaskName } from '../operators/types';
import { allFinite, clip, type Tensor } from '../tensor';
import { ensembleShape } from './ensemble';
import { residual } from './guidance/likelihood';
import { gridWalk, warmStartShape } from './init';
import { dataStepTrace, type PullState } from './pnp-trace';
import { requirePrior } from './prior';
import { defineSampler, type Nfe, type Sampler, type StepResult } from './types';

/** Where the inner probability-flow ODE stops before its final denoising call (the paper's 0.01). */
export const ODE_SIGMA_MIN = 0.01;

export const dapsParams = z.object({
  ...karrasParamsShape,
  odeSteps: z.number().int().min(1).max(50).default(2).describe('network calls of the probability-flow ODE that gives x0hat at each level (1: Tweedie D(x))'),
  langevinSteps: z.number().int().min(0).max(1000).default(50).describe('Langevin steps on x0 per noise level (operator calls only)'),
  lr: z.number().positive().max(1.5).default(0.5).describe('Langevin step in units of 1/L (L: curvature bound of the target); <= 1 is stable'),
  lrMinRatio: z.number().min(0).max(1).default(0.01).describe('the Langevin step decays linearly to this fraction of lr'),
  tau: z.number().min(0).max(10).default(0).describe('likelihood std on the [-1, 1] scale (0: the measurement\'s sigma_y)'),
  priorStd: z.number().min(0).max(10).default(0).describe('r_i of the Gaussian approximation of p(x0 | x): 0 = sigma_i (paper), s > 0 = the conditional std of N(., s^2) data'),
  /** Measurement noise on the [-1, 1] scale (tau = 0 uses it). */
  sigmaY: z.number().min(0).default(0.05),
  ...warmStartShape,
  ...ensembleShape,
});
export type DapsParams = z.infer<typeof dapsParams>;

export interface DapsState extends PullState {
  x: Tensor;
  nfe: Nfe;
  /** The last Langevin result (the sample after the final step). */
  x0: Tensor | null;
}

/** x0hat: `steps` DDIM steps of the probability-flow ODE from (x, sigma) down to 0. */
async function odeEstimate(denoiser: Denoiser, x: Tensor, sigma: number, steps: number): Promise<{ x0: Tensor; first: Tensor }> {
  const grid = steps > 1 && sigma > ODE_SIGMA_MIN ? karrasSigmas({ steps, sigmaMax: sigma, sigmaMin: ODE_SIGMA_MIN }) : Float64Array.of(sigma, 0);
  let cur = x;
  let first: Tensor | null = null;
  for (let k = 0; k + 1 < grid.length; k++) {
    const d = await denoiser.denoise(cur, grid[k]);
    first ??= d;
    const ratio = grid[k + 1] / grid[k];
    const next = new Float32Array(d.data.length);
    for (let j = 0; j < next.length; j++) next[j] = d.data[j] + ratio * (cur.data[j] - d.data[j]);
    cur = { shape: x.shape, data: next };
  }
  return { x0: cur, first: first ?? x };
}

export function createDaps(denoiser: Denoiser, input: Partial<DapsParams>): Sampler<DapsState> {
  const p = dapsParams.parse(input);
  const { sigmas, first, steps, warmStart, start } = gridWalk(p, 'daps');
  const tau = p.tau > 0 ? p.tau : Math.max(p.sigmaY, 1e-3);
  const callsPerLevel = (sigma: number) => (p.odeSteps > 1 && sigma > ODE_SIGMA_MIN ? p.odeSteps : 1);
  let forwards = 0;
  for (let k = first; k < p.steps; k++) forwards += callsPerLevel(sigmas[k]);
  // ||A||^2, once per operator (a few power iterations; 5% margin for their underestimate).
  const normSq = new WeakMap<LinearOperator, number>();
  const opNormSq = (op: LinearOperator) => {
    let v = normSq.get(op);
    if (v === undefined) {
      v = 1.05 * opNorm(op, { maxIter: 30, tol: 1e-3 }) ** 2;
      normSq.set(op, v);
    }
    return v;
  };

  return {
    method: 'daps',
    steps,
    warmStart,
    nfe: { forward: forwards, vjp: 0 },

    init(ctx) {
      return { x: start(ctx), x0: null, nfe: { forward: 0, vjp: 0 } };
    },

    async step(state, ctx, i): Promise<StepResult<DapsState>> {
      throwIfCancelled(ctx.signal);
      const k = first + i;
      const sigma = sigmas[k];
      const sigmaNext = sigmas[k + 1];
      const x = state.x;
      const { x0: x0hat, first: d } = await odeEstimate(denoiser, x, sigma, p.odeSteps);
      const nfe = { forward: state.nfe.forward + callsPerLevel(sigma), vjp: 0 };

      const r2 = p.priorStd > 0 ? (sigma * sigma * p.priorStd * p.priorStd) / (sigma * sigma + p.priorStd * p.priorStd) : sigma * sigma;
      const invTau2 = 1 / (tau * tau);
      const h = (p.lr * (1 + (k / p.steps) * (p.lrMinRatio - 1))) / (1 / r2 + opNormSq(ctx.operator) * invTau2);
      const noise = Math.sqrt(2 * h);
      const x0 = x0hat.data.slice();
      const cur: Tensor = { shape: x.shape, data: x0 };
      for (let j = 0; j < p.langevinSteps; j++) {
        const grad = ctx.operator.adjoint(residual(ctx.operator, cur, ctx.measurement)).data;
        for (let q = 0; q < x0.length; q++) {
          x0[q] += h * ((x0hat.data[q] - x0[q]) / r2 - grad[q] * invTau2) + noise * ctx.rng.normal();
        }
      }
      if (!allFinite(cur)) throw new DivergedError(i, null, 'lr');

      const next = new Float32Array(x0.length);
      for (let q = 0; q < next.length; q++) next[q] = sigmaNext === 0 ? x0[q] : x0[q] + sigmaNext * ctx.rng.normal();
      const r = residual(ctx.operator, d, ctx.measurement);
      const { trace, pulls } = dataStepTrace({ step: i, sigma, stepSize: h, x, denoised: d, corrected: cur, residual: r, nfe }, state, ctx.groundTruth);
      return {
        state: { x: { shape: x.shape, data: next }, x0: cur, nfe, ...pulls },
        trace,
        snapshot: ctx.captureAt?.(i) ? { step: i, x, denoised: d, residual: r } : undefined,
      };
    },

    finish(state) {
      if (!state.x0) throw new Error('DAPS finished before its first step');
      return clip(state.x0, -1, 1);
    },
  };
}

/** Langevin step and likelihood std tuned per task for the shipped prior (bench/results/tuning-daps.md). */
const TUNED: Partial<Record<TaskName, Partial<DapsParams>>> = {};

export const dapsSampler = defineSampler({
  id: 'daps',
  title: 'DAPS',
  params: dapsParams,
  needs: () => 'forward',
  // Each level: the Langevin steps' A^T (A x0 - y), and the residual of D.
  // Each Langevin step: A then A^T, and a fresh normal draw per pixel (as costly as the round trip for a mask).
  cost: { applyPerStep: (p) => p.langevinSteps + 1, noisePerStep: (p) => p.langevinSteps },
  create: (prior, p) => createDaps(requirePrior(prior, 'daps').denoiser, p),
  methods: {
    daps: {
      description: 'DAPS: 50 annealing levels x 2 ODE calls (100 forwards), 50 Langevin steps each on the operator only',
      defaults: (task, { sigmaY }) => ({ steps: 50, odeSteps: 2, langevinSteps: 50, sigmaY, ...TUNED[task] }),
    },
  },
});
