import { describe, expect, it } from 'vitest';
import { CancelledError, DivergedError } from '../errors';
import type { TaskName } from '../operators/types';
import { Rng } from '../rng';
import { tensor, type Tensor } from '../tensor';
import { squaredResidualLoss } from './guidance/likelihood';
import { likelihoodWarmup } from './guidance/warmup';
import { createSampler, runSampler, type Method } from './index';
import { gaussianPrior, gaussianProblem, relativeError, sameBits, ZeroNoise, type GaussianProblem } from './testing';

type Problem = GaussianProblem;
const problem = (task: TaskName, seed = 0) => gaussianProblem(task, { seed });
const priors = (mean: Tensor, schedule: 'continuous' | 'discrete') => gaussianPrior({ mean, std: 0.3 }, schedule);
const SHAPE = [3, 32, 32];
const SIGMA_Y = 0.05;

async function noiseFreeRun(method: Method, task: TaskName, p: Problem, params: Record<string, unknown>) {
  const prior = priors(p.mean, method === 'dps' ? 'discrete' : 'continuous');
  const sampler = createSampler(method, task, prior, params, SIGMA_Y);
  return (await runSampler(sampler, { operator: p.op, measurement: p.y, rng: new ZeroNoise() })).sample;
}

describe('samplers against the closed-form Gaussian posterior', () => {
  // Measured relative errors (3x32x32, prior std 0.3, sigma_y 0.05): SPGD 0.09 / 0.20 / 0.21,
  // DPS 0.05 / 0.15, DiffPIR 0.04 / 0.17. What remains is each sampler's bias: a few decaying
  // gradient (or prox) steps per noise level do not reach full data consistency in the
  // ill-conditioned directions of blur and downsampling. Tolerances are ~1.5x the measured
  // values; ignoring y (the prior mean, or unconditional DDIM) scores 1.0.
  const cases: [Method, TaskName, Record<string, unknown>, number][] = [
    ['spgd', 'inpaint-random', { eta: 1 }, 0.15],
    ['spgd', 'gaussian-blur', { eta: 4 }, 0.3],
    ['spgd', 'sr-x4', { eta: 4 }, 0.3],
    ['dps', 'inpaint-random', { zeta: 2, steps: 250 }, 0.1],
    ['dps', 'gaussian-blur', { zeta: 3, steps: 250 }, 0.25],
    ['diffpir', 'inpaint-random', { lambda: 1, zeta: 0.3 }, 0.1],
    ['diffpir', 'sr-x4', { lambda: 1, zeta: 0.3 }, 0.25],
  ];
  for (const [method, task, params, tol] of cases) {
    it(`${method} on ${task} lands within ${tol} (relative) of the posterior mean`, async () => {
      const p = problem(task);
      expect(relativeError(await noiseFreeRun(method, task, p, params), p)).toBeLessThan(tol);
    });
  }

  it('unconditional DDIM does not (the check can fail)', async () => {
    const p = problem('inpaint-random');
    expect(relativeError(await noiseFreeRun('ddim', 'inpaint-random', p, {}), p)).toBeGreaterThan(0.9);
  });
});

describe('SPGD warm-up (Proposition 4.1)', () => {
  for (const admApplied of [false, true]) {
    it(`lowers the data loss monotonically for a small step size (ADM ${admApplied ? 'on' : 'off'})`, async () => {
      const p = problem('gaussian-blur', 3);
      const { denoiser } = priors(p.mean, 'continuous');
      const x = tensor(SHAPE, new Rng(5).normals(3 * 32 * 32));
      const res = await likelihoodWarmup(denoiser, x, 0.2, (d) => squaredResidualLoss(p.op, p.y, d), {
        steps: 20,
        eta: 0.2,
        beta: 0.9,
        admApplied,
        outerStep: 0,
      });
      for (let j = 1; j < res.losses.length; j++) expect(res.losses[j]).toBeLessThan(res.losses[j - 1]);
      expect(res.losses[19]).toBeLessThan(0.5 * res.losses[0]);
      if (admApplied) for (const w of res.weights) expect(w >= 0 && w <= 1).toBe(true);
    });
  }
});

describe('sampler mechanics', () => {
  const p = problem('inpaint-random', 1);
  const prior = priors(p.mean, 'continuous');
  const ctx = (seed: number, extra = {}) => ({ operator: p.op, measurement: p.y, rng: new Rng(seed, 'sampler'), ...extra });

  it('is deterministic: same seed, same bits', async () => {
    for (const method of ['spgd', 'dps', 'diffpir', 'ddnm', 'daps'] as Method[]) {
      const params = method === 'dps' ? { steps: 20 } : { steps: 10 };
      const a = await runSampler(createSampler(method, 'inpaint-random', prior, params), ctx(4));
      const b = await runSampler(createSampler(method, 'inpaint-random', prior, params), ctx(4));
      const c = await runSampler(createSampler(method, 'inpaint-random', prior, params), ctx(5));
      expect(sameBits(a.sample, b.sample)).toBe(true);
      expect(sameBits(a.sample, c.sample)).toBe(false);
    }
  });

  it('counts network calls as the algorithm page does', async () => {
    const run = async (method: Method, params: Record<string, unknown>) =>
      (await runSampler(createSampler(method, 'inpaint-random', prior, params), ctx(0))).nfe;
    expect(await run('spgd', { steps: 10, warmup: 5 })).toEqual({ forward: 50, vjp: 50 });
    expect(await run('spgd', { steps: 10, warmup: 5, denoiseFrom: 'fresh' })).toEqual({ forward: 60, vjp: 50 });
    expect(await run('ddim', { steps: 10 })).toEqual({ forward: 10, vjp: 0 });
    expect(await run('dps', { steps: 12 })).toEqual({ forward: 12, vjp: 12 });
    expect(await run('diffpir', { steps: 7 })).toEqual({ forward: 7, vjp: 0 });
    expect(createSampler('dps-ddim', 'sr-x4', prior).nfe).toEqual({ forward: 500, vjp: 500 });
  });

  it('traces every step with angles in [0, 180] and ADM weights in [0, 1], and captures chosen steps', async () => {
    const r = await runSampler(
      createSampler('spgd', 'inpaint-random', prior, { steps: 8 }),
      { ...ctx(0), groundTruth: p.truth, captureAt: (i: number) => i % 4 === 0 },
    );
    expect(r.trace).toHaveLength(8);
    expect(r.snapshots.map((s) => s.step)).toEqual([0, 4]);
    for (const t of r.trace.slice(1)) {
      for (const a of [t.conflict, t.fluctuationRaw, t.fluctuationAdm, t.priorStability]) expect(a >= 0 && a <= 180).toBe(true);
      expect(t.admWeights).toHaveLength(4);
      expect(t.psnr).toBeGreaterThan(0);
    }
  });

  it('stops with a clear error when the step size diverges', async () => {
    const run = runSampler(createSampler('spgd', 'inpaint-random', prior, { steps: 50, eta: 1e4, lrMinRatio: 1 }), ctx(0));
    await expect(run).rejects.toBeInstanceOf(DivergedError);
    await expect(
      runSampler(createSampler('spgd', 'inpaint-random', prior, { steps: 50, eta: 1e4, lrMinRatio: 1 }), ctx(0)),
    ).rejects.toThrow(/diverged: lower the step size \(eta\)/);
  });

  it('can be cancelled between network calls', async () => {
    const ac = new AbortController();
    let steps = 0;
    const run = runSampler(createSampler('spgd', 'inpaint-random', prior, { steps: 50 }), ctx(0, { signal: ac.signal }), {
      onStep: () => {
        if (++steps === 3) ac.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(steps).toBe(3);
  });

  it('rejects unknown or out-of-range parameters with the key named', () => {
    expect(() => createSampler('spgd', 'inpaint-random', prior, { etta: 1 })).toThrow(/etta/);
    expect(() => createSampler('spgd', 'inpaint-random', prior, { warmup: -1 })).toThrow(/warmup/);
  });
});
