/**
 * SPGD: Stabilized Progressive Gradient Diffusion (spgd-algorithm.md section 4).
 *
 * On the Karras grid sigma_0 > ... > sigma_{T-1} > sigma_T = 0, starting from x = smax n:
 *
 *   eta_i = eta (1 + (i/T)(lr_min_ratio - 1))
 *   for j < N:   D_j = D(x, sigma_i);  g_j = grad_x ||A D_j - y||^2
 *                m = g_0 (j = 0)  or  m = b m + (1 - b) g_j,  b = beta * w_j   (ADM)
 *                x_prev = x;  x = x - eta_i (m if admApplied else g_j)
 *   reuse:  x = x + (1 - sigma_{i+1}/sigma_i)(D_{N-1} - x_prev)          (N calls per step)
 *   fresh:  D = D(x, sigma_i);  x = D + (sigma_{i+1}/sigma_i)(x - D)       (N + 1 calls)
 *
 * N = 0 is unconditional DDIM; N = 1 with ADM off is "DPS with DDIM".
 * Images are [3, H, W] in [-1, 1]. A warm start (`sigmaStart`, init.ts) runs steps k..T-1 from
 * x_init + sigma_k n; `samples` K > 1 averages K chains (ensemble.ts).
 *
 * @example
 *   const sampler = createSpgd(vpDenoiser(model), { steps: 100, warmup: 5, eta: 1.0 });
 *   const { sample } = await runSampler(sampler, { operator, measurement: y, rng: new Rng(0, 'sampler') });
 */
import { z } from 'zod';
import { angleDegrees } from '../diagnostics/angles';
import type { Denoiser } from '../diffusion/types';
import { karrasParamsShape } from '../diffusion/karras';
import { sigmaToTimestep } from '../diffusion/vp';
import { DivergedError, throwIfCancelled } from '../errors';
import { allFinite, clip, norm, sub, type Tensor } from '../tensor';
import { describedSquaredResidualLoss, residual } from './guidance/likelihood';
import { likelihoodWarmup } from './guidance/warmup';
import { qualityVsTruth } from './quality';
import { ensembleShape } from './ensemble';
import { gridWalk, warmStartShape } from './init';
import type { TaskName } from '../operators/types';
import { requirePrior } from './prior';
import { defineSampler, type Nfe, type Sampler, type StepResult, type StepTrace } from './types';

export const spgdParams = z.object({
  ...karrasParamsShape,
  warmup: z.number().int().min(0).max(100).default(5).describe('N, likelihood gradient steps before each denoising step (0: plain DDIM)'),
  eta: z.number().positive().max(1e4).default(1.0).describe('base step size of the warm-up (tuned per task and prior)'),
  lrMinRatio: z.number().min(0).max(1).default(0.01).describe('the step size decays linearly to this fraction of eta'),
  beta: z.number().min(0).max(1).default(0.9).describe('base momentum of ADM (0: no smoothing)'),
  admApplied: z.boolean().default(true).describe('step with the smoothed direction (paper) or the raw gradient (released code)'),
  denoiseFrom: z.enum(['reuse', 'fresh']).default('reuse').describe("reuse the last warm-up's D (N calls per step) or evaluate D afresh (N + 1)"),
  ...warmStartShape,
  ...ensembleShape,
});
export type SpgdParams = z.infer<typeof spgdParams>;

export interface SpgdState {
  x: Tensor;
  nfe: Nfe;
  prevLikelihoodPull?: Tensor;
  prevPriorPull?: Tensor;
  prevApplied?: Tensor;
}

export function createSpgd(denoiser: Denoiser, input: Partial<SpgdParams>): Sampler<SpgdState> {
  const p = spgdParams.parse(input);
  const N = p.warmup;
  const callsPerStep = N === 0 ? 1 : p.denoiseFrom === 'fresh' ? N + 1 : N;
  const method = N === 0 ? 'ddim' : 'spgd';
  const { sigmas, first, steps, warmStart, start } = gridWalk(p, method);

  return {
    method,
    steps,
    warmStart,
    nfe: { forward: steps * callsPerStep, vjp: steps * N },

    init(ctx) {
      return { x: start(ctx), nfe: { forward: 0, vjp: 0 } };
    },

    async step(state, ctx, i): Promise<StepResult<SpgdState>> {
      // Grid index: a warm start runs the cold run's steps first..T-1, step sizes included.
      const k = first + i;
      const sigma = sigmas[k];
      const ratio = sigmas[k + 1] / sigma;
      const eta = p.eta * (1 + (k / p.steps) * (p.lrMinRatio - 1));
      const nfe = { ...state.nfe };
      const x0 = state.x;

      if (N === 0) {
        throwIfCancelled(ctx.signal);
        const d = await denoiser.denoise(x0, sigma);
        nfe.forward++;
        const r = residual(ctx.operator, d, ctx.measurement);
        const priorPull = sub(d, x0);
        const trace = baseTrace(i, sigma, NaN, nfe, norm(r), NaN, priorPull, state);
        const next = ddimStep(d, x0, ratio);
        if (!allFinite(next)) throw new DivergedError(i, null);
        return {
          state: { x: next, nfe, prevPriorPull: priorPull },
          trace: { ...trace, ...qualityVsTruth(d, ctx.groundTruth) },
          snapshot: ctx.captureAt?.(i) ? { step: i, x: x0, denoised: d, residual: r } : undefined,
        };
      }

      const w = await likelihoodWarmup(
        denoiser,
        x0,
        sigma,
        describedSquaredResidualLoss(ctx.operator, ctx.measurement),
        { steps: N, eta, beta: p.beta, admApplied: p.admApplied, outerStep: i, signal: ctx.signal },
      );
      nfe.forward += N;
      nfe.vjp += N;
      const x = w.x;

      let next: Tensor;
      if (p.denoiseFrom === 'reuse') {
        const nx = new Float32Array(x.data.length);
        for (let k = 0; k < nx.length; k++) nx[k] = x.data[k] + (1 - ratio) * (w.lastDenoised.data[k] - w.xPrev.data[k]);
        next = { shape: x.shape, data: nx };
      } else {
        throwIfCancelled(ctx.signal);
        const d = await denoiser.denoise(x, sigma);
        nfe.forward++;
        next = ddimStep(d, x, ratio);
      }
      if (!allFinite(next)) throw new DivergedError(i, null);

      const { denoised: d, grad: g, residual: r } = w.first;
      const m = w.momentum;
      const likelihoodPull = negate(g);
      const priorPull = sub(d, x0);
      const trace: StepTrace = {
        ...baseTrace(i, sigma, eta, nfe, norm(r), norm(g), priorPull, state),
        admWeights: w.weights,
        conflict: angleDegrees(priorPull, likelihoodPull),
        fluctuationRaw: state.prevLikelihoodPull ? angleDegrees(likelihoodPull, state.prevLikelihoodPull) : NaN,
        fluctuationAdm: state.prevApplied ? angleDegrees(m, state.prevApplied) : NaN,
        ...qualityVsTruth(d, ctx.groundTruth),
      };
      return {
        state: { x: next, nfe, prevLikelihoodPull: likelihoodPull, prevPriorPull: priorPull, prevApplied: m },
        trace,
        snapshot: ctx.captureAt?.(i) ? { step: i, x: x0, denoised: d, grad: g, momentum: m, residual: r } : undefined,
      };
    },

    finish(state) {
      return clip(state.x, -1, 1);
    },
  };
}

/** DDIM (eta = 0) in VE coordinates: x_next = D + (sigma_next / sigma)(x - D). */
function ddimStep(d: Tensor, x: Tensor, ratio: number): Tensor {
  const out = new Float32Array(x.data.length);
  for (let k = 0; k < out.length; k++) out[k] = d.data[k] + ratio * (x.data[k] - d.data[k]);
  return { shape: x.shape, data: out };
}

function negate(t: Tensor): Tensor {
  const out = new Float32Array(t.data.length);
  for (let k = 0; k < out.length; k++) out[k] = -t.data[k];
  return { shape: t.shape, data: out };
}

function baseTrace(
  i: number,
  sigma: number,
  stepSize: number,
  nfe: Nfe,
  residualNorm: number,
  gradNorm: number,
  priorPull: Tensor,
  prev: SpgdState,
): StepTrace {
  return {
    step: i,
    sigma,
    t: sigmaToTimestep(sigma),
    stepSize,
    residualNorm,
    gradNorm,
    admWeights: [],
    conflict: NaN,
    fluctuationRaw: NaN,
    fluctuationAdm: NaN,
    priorStability: prev.prevPriorPull ? angleDegrees(priorPull, prev.prevPriorPull) : NaN,
    nfe: { ...nfe },
  };
}

/**
 * Step sizes tuned per task for the shipped prior (spgd-prior-v1) by `bench/tune.ts`, best mean
 * PSNR on 2 CBSD68 images resized to 128 px, eta in 0.0625..8 (bench/results/tuning-spgd-eta.md):
 * SPGD's own and DPS-DDIM's (N = 1, T = 500, ADM off), tuned separately; both sweeps pick the
 * same values. eta >= 1.5 diverges on the blurs; box inpainting prefers the smallest eta tried
 * (PSNR rises, SSIM falls as eta drops). The paper's ImageNet values (2.5 / 2.5 / 1 / 1 / 7)
 * diverge for this prior on box inpainting and over-correct elsewhere. A task without an entry
 * keeps the schema's default.
 */
const TUNED_ETA: Partial<Record<TaskName, { spgd: number; dpsDdim: number }>> = {
  'inpaint-random': { spgd: 0.5, dpsDdim: 0.5 },
  'inpaint-box': { spgd: 0.0625, dpsDdim: 0.0625 },
  'gaussian-blur': { spgd: 1, dpsDdim: 1 },
  'motion-blur': { spgd: 1, dpsDdim: 1 },
  'sr-x4': { spgd: 2, dpsDdim: 2 },
};

const tunedEta = (task: TaskName, which: 'spgd' | 'dpsDdim') => {
  const eta = TUNED_ETA[task]?.[which];
  return eta === undefined ? {} : { eta };
};

/**
 * The posterior-mean configuration per task (the built-in presets, `spgd-mean`): K samples
 * warm-started at sigma_start from an initial estimate (`TUNED_INIT`: the classical one unless
 * named), tuned on the same 2 images at 128 px (bench/results/sweep-*.md).
 */
const TUNED_MEAN: Partial<Record<TaskName, Partial<SpgdParams>>> = {
  'inpaint-random': { samples: 4, sigmaStart: 0.5 },
  // A large hole: the lower start keeps more of the classical fill (19.83 dB vs 19.65 at 0.5 and
  // 19.50 at 1 on the tuning images, bench/results/sweep-spgd-mean-start-inpaint.md) at half the steps.
  'inpaint-box': { samples: 4, sigmaStart: 0.2 },
  // From DDNM+ (below): 0.2 is as good as any start in 0.1-0.5 and 2-3x cheaper than 0.5
  // (bench/results/sweep-spgd-ddnm-start.md, tuning-spgd-init.md).
  'gaussian-blur': { samples: 4, sigmaStart: 0.2 },
  'motion-blur': { samples: 4, sigmaStart: 0.2 },
  'sr-x4': { samples: 4, sigmaStart: 0.2 },
};

/**
 * Tasks whose posterior mean starts from another method's restoration. DDNM+ beats the classical
 * estimate on the blurs and 4x SR, so SPGD starts nearer the answer: tuning images, Gaussian /
 * motion blur / SR, 23.42 / 24.82 / 23.49 dB from DDNM+ at 0.2 vs 23.21 / 24.43 / 23.40 from the
 * classical estimate at 0.5. On inpainting DDNM+ loses to the classical fill (quality.md).
 */
const TUNED_INIT: Partial<Record<TaskName, string>> = {
  'gaussian-blur': 'ddnm',
  'motion-blur': 'ddnm',
  'sr-x4': 'ddnm',
};

/** Tasks without a tuned entry (the photo tasks, sr-x2): the benchmark tasks' choice. */
const UNTUNED_MEAN: Partial<SpgdParams> = { samples: 4, sigmaStart: 0.5 };

export const spgdSampler = defineSampler({
  id: 'spgd',
  title: 'SPGD / DDIM',
  params: spgdParams,
  needs: (p) => (p.warmup > 0 ? 'gradient' : 'forward'),
  create: (prior, p) => createSpgd(requirePrior(prior, 'spgd').denoiser, p),
  methods: {
    spgd: {
      description: 'SPGD: T = 100, N = 5 warm-up steps with ADM, tuned eta',
      defaults: (task) => ({ steps: 100, warmup: 5, admApplied: true, ...tunedEta(task, 'spgd') }),
    },
    'dps-ddim': {
      // DPS at SPGD's budget: the SPGD sampler with N = 1 and no ADM, T = 500 (500 NFE).
      description: 'DPS with DDIM steps: the SPGD sampler with N = 1, ADM off, T = 500',
      defaults: (task) => ({ steps: 500, warmup: 1, admApplied: false, beta: 0, ...tunedEta(task, 'dpsDdim') }),
    },
    'spgd-mean': {
      description: 'SPGD warm-started at a tuned sigma_start from the classical estimate (from DDNM+ on the blurs and 4x SR), the mean of K = 4 samples (the built-in presets)',
      defaults: (task) => ({ steps: 100, warmup: 5, admApplied: true, ...tunedEta(task, 'spgd'), ...(TUNED_MEAN[task] ?? UNTUNED_MEAN) }),
      init: (task) => TUNED_INIT[task],
    },
    ddim: {
      description: 'unconditional DDIM (N = 0): ignores the measurement',
      defaults: () => ({ steps: 100, warmup: 0 }),
    },
  },
});
