/**
 * DDNM+ (Wang, Yu, Zhang, ICLR 2023): zero-shot restoration by range-null-space decomposition,
 * with its noise-aware variant. Forward calls only; no gradient through the network. In VE
 * coordinates on the Karras grid sigma_0 > ... > sigma_{T-1} > sigma_T = 0:
 *
 *   D     = D(x, sigma_i);   eps = (x - D) / sigma_i                  (1 network forward)
 *   c     = sqrt(zeta) sigma_{i+1}                                    (fresh-noise budget)
 *   lambda = 1,  or (noise-aware) min(1, c / sigma_y)
 *   x0hat = D - lambda A^+ (A D - y)          = lambda A^+ y + (I - lambda A^+ A) D
 *   x     = x0hat + sigma_{i+1} sqrt(1 - zeta) eps + sqrt(c^2 - (lambda sigma_y)^2) n
 *                                                                     (x = x0hat at the end)
 *
 * With lambda = 1 and sigma_y = 0 the result satisfies A x0hat = A A^+ y = y wherever A has an
 * exact pseudo-inverse (inpainting, sr-x4): the range space comes from y, the null space from
 * the prior. With noisy y the correction lambda A^+ (A D - y) carries lambda g sigma_y of y's
 * noise into x, where g is A^+'s gain on white noise (1 for the masks; up to 1 / (2 sqrt(rho)) per
 * frequency for the Tikhonov-regularised blurs, measured once per operator with one probe); the
 * noise-aware variant shrinks lambda once that would exceed the fresh noise the next level adds,
 * and adds only the remainder (DDNM+'s Sigma_t and Phi_t, as scalars):
 *
 *   lambda = min(1, c / (G sigma_y)),  G = max(1, g),  fresh noise sqrt(c^2 - (lambda G sigma_y)^2)
 *
 * The paper works per singular value, where g is 1 by construction. With one scalar lambda and
 * g taken as 1, a small rho let the blurs' amplified noise into x unchecked (motion blur at
 * rho 0.01: 14.2 dB, 16.5 with G). A damping A^+ (g < 1, larger rho) does not let lambda grow:
 * measured, that lost 0.4-0.5 dB at the tuned rho (bench/results/sweep-ddnm-tikhonov.md), the
 * Tikhonov correction being biased as well as less noisy. The blurs' A^+ is
 * Tikhonov-regularised with weight `tikhonov` (`LinearOperator.pseudoInverse`).
 * Images are [3, H, W] in [-1, 1].
 *
 * @example
 *   const sampler = createDdnm(vpDenoiser(model), { steps: 100, zeta: 0.5, sigmaY: 0.05 });
 *   const { sample } = await runSampler(sampler, { operator, measurement: y, rng: new Rng(0, 'sampler') });
 */
import { z } from 'zod';
import { karrasParamsShape } from '../diffusion/karras';
import type { Denoiser } from '../diffusion/types';
import { DivergedError, SpgdError, throwIfCancelled } from '../errors';
import type { LinearOperator, TaskName } from '../operators/types';
import { Rng } from '../rng';
import { allFinite, clip, numel, type Tensor } from '../tensor';
import { ensembleShape } from './ensemble';
import { residual } from './guidance/likelihood';
import { gridWalk, warmStartShape } from './init';
import { requirePrior } from './prior';
import { dataStepTrace, type PullState } from './pnp-trace';
import { defineSampler, type Nfe, type Sampler, type StepResult } from './types';

export const ddnmParams = z.object({
  ...karrasParamsShape,
  zeta: z.number().min(0).max(1).default(0.5).describe('share of fresh noise when re-noising (0: deterministic DDIM-like steps)'),
  noiseAware: z.boolean().default(true).describe('DDNM+: shrink the range-space correction where it would add more of y\'s noise than the next level holds'),
  tikhonov: z.number().positive().max(10).default(0.01).describe('Tikhonov weight rho of A^+ = (A^T A + rho I)^-1 A^T for operators without an exact pseudo-inverse (the blurs)'),
  /** Measurement noise on the [-1, 1] scale (the noise-aware correction needs it). */
  sigmaY: z.number().min(0).default(0.05),
  ...warmStartShape,
  ...ensembleShape,
});
export type DdnmParams = z.infer<typeof ddnmParams>;

export interface DdnmState extends PullState {
  x: Tensor;
  nfe: Nfe;
}

function pseudoInverseOf(op: LinearOperator): NonNullable<LinearOperator['pseudoInverse']> {
  if (!op.pseudoInverse) throw new SpgdError('BAD_INPUT', `DDNM+ needs a pseudo-inverse of the operator; the ${op.task} operator has none`);
  return op.pseudoInverse.bind(op);
}

/**
 * A^+'s gain on white noise: the RMS of A^+ n over the pixels it reaches, for n ~ N(0, I) of the
 * measurement's shape (one probe; its thousands of pixels make it accurate to about 1%). The
 * pixels it does not reach (a mask's holes) get none of y's noise and are left out.
 */
export function pseudoInverseNoiseGain(op: LinearOperator, measurementShape: readonly number[], rho: number): number {
  const pinv = pseudoInverseOf(op);
  const rng = new Rng(0, 'ddnm-noise-gain');
  const out = pinv({ shape: measurementShape, data: rng.normals(numel(measurementShape)) }, { rho }).data;
  let sum = 0;
  let reached = 0;
  for (const v of out) {
    if (v === 0) continue;
    sum += v * v;
    reached++;
  }
  return reached === 0 ? 1 : Math.sqrt(sum / reached);
}

/**
 * Where the range-space correction's Tikhonov solve (CG, the motion blur and blurs over 256 px)
 * may stop. The correction is scaled by lambda and re-noised at the next level, and it shrinks
 * with the residual, so 1% of it is far below what each step adds: against 1e-4, the motion
 * blur on the 10 report images moved by -0.006 dB on average (at most -0.018), the camera-shake
 * photo preset (rho 0.004) by +0.01 dB, in 7.0 s instead of 19.7 (docs/decisions.md, DDNM+).
 */
export const CORRECTION_TOL = 1e-2;

export function createDdnm(denoiser: Denoiser, input: Partial<DdnmParams>): Sampler<DdnmState> {
  const p = ddnmParams.parse(input);
  const { sigmas, first, steps, warmStart, start } = gridWalk(p, 'ddnm');
  // Per operator: every chain of a run shares it, and each probe costs one A^+.
  const gains = new WeakMap<LinearOperator, number>();
  const noiseGain = (op: LinearOperator, y: Tensor) => {
    let g = gains.get(op);
    if (g === undefined) gains.set(op, (g = pseudoInverseNoiseGain(op, y.shape, p.tikhonov)));
    return g;
  };

  return {
    method: 'ddnm',
    steps,
    warmStart,
    nfe: { forward: steps, vjp: 0 },

    init(ctx) {
      return { x: start(ctx), nfe: { forward: 0, vjp: 0 } };
    },

    async step(state, ctx, i): Promise<StepResult<DdnmState>> {
      throwIfCancelled(ctx.signal);
      const pinv = pseudoInverseOf(ctx.operator);
      const sigma = sigmas[first + i];
      const sigmaNext = sigmas[first + i + 1];
      const x = state.x;
      const d = await denoiser.denoise(x, sigma);
      const nfe = { forward: state.nfe.forward + 1, vjp: 0 };

      const budget = Math.sqrt(p.zeta) * sigmaNext;
      const carried = p.noiseAware && p.sigmaY > 0 ? Math.max(1, noiseGain(ctx.operator, ctx.measurement)) * p.sigmaY : 0;
      const lambda = carried > 0 ? Math.min(1, budget / carried) : 1;
      const r = residual(ctx.operator, d, ctx.measurement);
      const correction = pinv(r, { rho: p.tikhonov, tol: CORRECTION_TOL });
      const x0hat = new Float32Array(x.data.length);
      for (let k = 0; k < x0hat.length; k++) x0hat[k] = d.data[k] - lambda * correction.data[k];

      const next = new Float32Array(x.data.length);
      if (sigmaNext === 0) next.set(x0hat);
      else {
        const a = sigmaNext * Math.sqrt(1 - p.zeta);
        const fresh = p.noiseAware ? Math.sqrt(Math.max(0, budget * budget - (lambda * carried) ** 2)) : budget;
        for (let k = 0; k < next.length; k++) {
          const eps = (x.data[k] - d.data[k]) / sigma;
          next[k] = x0hat[k] + a * eps + fresh * ctx.rng.normal();
        }
      }
      const xNext: Tensor = { shape: x.shape, data: next };
      if (!allFinite(xNext)) throw new DivergedError(i, null, 'tikhonov');

      const corrected: Tensor = { shape: x.shape, data: x0hat };
      const { trace, pulls } = dataStepTrace({ step: i, sigma, stepSize: lambda, x, denoised: d, corrected, residual: r, nfe }, state, ctx.groundTruth);
      return {
        state: { x: xNext, nfe, ...pulls },
        trace,
        snapshot: ctx.captureAt?.(i) ? { step: i, x, denoised: d, residual: r } : undefined,
      };
    },

    finish(state) {
      return clip(state.x, -1, 1);
    },
  };
}

/**
 * zeta and the Tikhonov weight tuned per task for the shipped prior on the 2 tuning images at
 * 128 px (bench/results/sweep-ddnm-zeta.md, sweep-ddnm-tikhonov.md, sweep-ddnm-zeta-sr.md): all
 * fresh noise (zeta 1) on every task; rho 0.1 for the blurs (0.01 let y's noise through: motion
 * blur 16.5 dB against 24.9).
 */
const TUNED: Partial<Record<TaskName, Partial<DdnmParams>>> = {
  'inpaint-random': { zeta: 1 },
  'inpaint-box': { zeta: 1 },
  'gaussian-blur': { zeta: 1, tikhonov: 0.1 },
  'motion-blur': { zeta: 1, tikhonov: 0.1 },
  'sr-x4': { zeta: 1 },
};

export const ddnmSampler = defineSampler({
  id: 'ddnm',
  title: 'DDNM+',
  params: ddnmParams,
  needs: () => 'forward',
  // Each step: A^+ of the residual.
  cost: { pinvPerStep: 1 },
  create: (prior, p) => createDdnm(requirePrior(prior, 'ddnm').denoiser, p),
  methods: {
    ddnm: {
      description: 'DDNM+: T = 100, range-null-space projection with the operator\'s pseudo-inverse, noise-aware, forward calls only',
      defaults: (task, { sigmaY }) => ({ steps: 100, sigmaY, ...TUNED[task] }),
    },
  },
});
