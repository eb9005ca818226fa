import { describe, expect, it } from 'vitest';
import { OPERATORS } from '../operators';
import { TASKS } from '../operators/types';
import { Rng } from '../rng';
import { createDaps } from './daps';
import { runEnsemble } from './ensemble';
import { createSampler, runSampler } from './index';
import { gaussianPrior, gaussianProblem, inpaintingPosteriorStd, relativeError, ZeroNoise } from './testing';

describe('DAPS', () => {
  it('samples the Gaussian posterior: the mean and std of K = 100 chains match the closed form', async () => {
    // Random inpainting of N(mean, 0.3^2) data on 3x16x16, sigma_y 0.2. With priorStd = 0.3 each
    // Langevin target is the exact p(x0 | x, y), so only Monte-Carlo error and the Langevin
    // discretisation remain. Measured: rms (mean_K - mu) / sd = 1.02 / sqrt(K); std ratios 1.005
    // (observed pixels) and 0.999 (missing). Allowed: 1.25 / sqrt(K) and 3%.
    const K = 100;
    const p = gaussianProblem('inpaint-random', { shape: [3, 16, 16], sigmaY: 0.2 });
    const { denoiser } = gaussianPrior(p);
    const params = { steps: 8, sigmaMin: 0.05, odeSteps: 1, langevinSteps: 150, lr: 0.05, lrMinRatio: 1, priorStd: p.std, sigmaY: p.sigmaY };
    const r = await runEnsemble(() => createDaps(denoiser, params), null, { operator: p.op, measurement: p.y }, 7, K);
    const sd = inpaintingPosteriorStd(p);
    const mask = p.op.state.mask!.data;
    const n = sd.length;
    const plane = n / 3;
    let z2 = 0;
    const ratio = { observed: [0, 0], missing: [0, 0] };
    for (let i = 0; i < n; i++) {
      z2 += ((r.sample.data[i] - p.posteriorMean.data[i]) / sd[i]) ** 2;
      let v = 0;
      for (const s of r.samples) v += (s.data[i] - r.sample.data[i]) ** 2;
      const which = mask[i % plane] ? ratio.observed : ratio.missing;
      which[0] += Math.sqrt(v / (K - 1)) / sd[i];
      which[1]++;
    }
    expect(Math.sqrt(z2 / n)).toBeLessThan(1.25 / Math.sqrt(K));
    expect(Math.abs(ratio.observed[0] / ratio.observed[1] - 1)).toBeLessThan(0.03);
    expect(Math.abs(ratio.missing[0] / ratio.missing[1] - 1)).toBeLessThan(0.03);
    // The uncertainty map is the same spread, averaged over the channels.
    const missingPixel = mask.findIndex((m) => m === 0);
    let v = 0;
    for (const s of r.samples) for (let c = 0; c < 3; c++) v += (s.data[c * plane + missingPixel] - r.sample.data[c * plane + missingPixel]) ** 2;
    expect(r.uncertainty.data[missingPixel]).toBeCloseTo(Math.sqrt(v / (3 * (K - 1))), 5);
  }, 60_000);

  it('without noise, lands near the posterior mean (measured 0.08 / 0.02 / 0.48: the blur keeps a bias)', async () => {
    for (const [task, tol] of [['inpaint-random', 0.12], ['sr-x4', 0.05], ['gaussian-blur', 0.6]] as const) {
      const p = gaussianProblem(task);
      const s = createSampler('daps', task, gaussianPrior(p), {}, p.sigmaY);
      expect(relativeError((await runSampler(s, { operator: p.op, measurement: p.y, rng: new ZeroNoise() })).sample, p)).toBeLessThan(tol);
    }
  });

  it.each(TASKS.filter((t) => !OPERATORS[t].requires))('runs 3 levels on %s: shape, finite values, odeSteps forwards per level, no VJP', async (task) => {
    const p = gaussianProblem(task);
    const r = await runSampler(createSampler('daps', task, gaussianPrior(p), { steps: 3, odeSteps: 2, langevinSteps: 5 }, p.sigmaY), {
      operator: p.op,
      measurement: p.y,
      rng: new Rng(1, 'sampler'),
    });
    expect(r.sample.shape).toEqual(p.op.inShape);
    expect(r.sample.data.every(Number.isFinite)).toBe(true);
    expect(r.nfe).toEqual({ forward: 6, vjp: 0 });
  });
});
