import { describe, expect, it } from 'vitest';
import { OPERATORS } from '../operators';
import { TASKS, type TaskName } from '../operators/types';
import { Rng } from '../rng';
import { karrasSigmas } from '../diffusion/karras';
import { createDdnm, ddnmParams, pseudoInverseNoiseGain } from './ddnm';
import { createSampler, runSampler } from './index';
import { gaussianPrior, gaussianProblem, relativeError, ZeroNoise } from './testing';

describe('DDNM+', () => {
  // std 0.1 keeps the data and the result inside [-1, 1], so the final clip changes nothing.
  for (const task of ['inpaint-random', 'inpaint-box', 'sr-x4'] as TaskName[]) {
    it(`with sigma_y = 0 satisfies A(x) = y to 1e-5 (${task}: exact pseudo-inverse)`, async () => {
      const p = gaussianProblem(task, { std: 0.1, sigmaY: 0 });
      const { denoiser } = gaussianPrior(p);
      const r = await runSampler(createDdnm(denoiser, { steps: 20, sigmaY: 0 }), { operator: p.op, measurement: p.y, rng: new Rng(3, 'sampler') });
      const ax = p.op.forward(r.sample).data;
      let err = 0;
      let scale = 0;
      for (let i = 0; i < ax.length; i++) {
        err = Math.max(err, Math.abs(ax[i] - p.y.data[i]));
        scale = Math.max(scale, Math.abs(p.y.data[i]));
      }
      expect(err).toBeLessThan(1e-5 * scale);
    });
  }

  it("measures A^+'s gain on white noise: 1 for the masks, bounded by 1 / (2 sqrt(rho)) and falling with rho for the blurs", () => {
    for (const task of ['inpaint-random', 'inpaint-box'] as TaskName[]) {
      const p = gaussianProblem(task);
      expect(pseudoInverseNoiseGain(p.op, p.y.shape, 0.01)).toBeCloseTo(1, 1);
    }
    for (const task of ['gaussian-blur', 'motion-blur'] as TaskName[]) {
      const p = gaussianProblem(task);
      const gains = [0.01, 0.1, 1].map((rho) => pseudoInverseNoiseGain(p.op, p.y.shape, rho));
      [0.01, 0.1, 1].forEach((rho, i) => expect(gains[i]).toBeLessThanOrEqual(1 / (2 * Math.sqrt(rho))));
      expect(gains[0]).toBeGreaterThan(gains[1]);
      expect(gains[1]).toBeGreaterThan(gains[2]);
    }
    // the motion kernel's spectrum has near-zeros: at rho 0.01 its A^+ triples y's noise (measured 3.13)
    const motion = gaussianProblem('motion-blur');
    expect(pseudoInverseNoiseGain(motion.op, motion.y.shape, 0.01)).toBeGreaterThan(2);
  });

  it("shrinks the range-space correction by A^+'s noise gain: lambda = min(1, sqrt(zeta) sigma_next / (max(1, g) sigma_y))", async () => {
    const p = gaussianProblem('motion-blur');
    const params = { steps: 30, zeta: 0.5, tikhonov: 0.01, sigmaY: p.sigmaY };
    const g = pseudoInverseNoiseGain(p.op, p.y.shape, params.tikhonov);
    expect(g).toBeGreaterThan(1);
    const r = await runSampler(createDdnm(gaussianPrior(p).denoiser, params), { operator: p.op, measurement: p.y, rng: new Rng(2, 'sampler') });
    const sigmas = karrasSigmas(ddnmParams.parse(params));
    const lambdas = r.trace.map((t) => t.stepSize);
    lambdas.forEach((lambda, i) => expect(lambda).toBeCloseTo(Math.min(1, (Math.sqrt(params.zeta) * sigmas[i + 1]) / (g * p.sigmaY)), 6));
    // steps where g sigma_y > the budget > sigma_y: a gain-blind lambda would be 1 there
    expect(lambdas.some((lambda, i) => lambda < 0.9 && Math.sqrt(params.zeta) * sigmas[i + 1] > p.sigmaY)).toBe(true);
    // a damping A^+ (g < 1) does not let lambda grow past the gain-blind one
    const blur = gaussianProblem('gaussian-blur');
    const damped = { ...params, tikhonov: 1, sigmaY: blur.sigmaY };
    expect(pseudoInverseNoiseGain(blur.op, blur.y.shape, damped.tikhonov)).toBeLessThan(0.5);
    const rb = await runSampler(createDdnm(gaussianPrior(blur).denoiser, damped), { operator: blur.op, measurement: blur.y, rng: new Rng(2, 'sampler') });
    rb.trace.forEach((t, i) => expect(t.stepSize).toBeCloseTo(Math.min(1, (Math.sqrt(damped.zeta) * sigmas[i + 1]) / blur.sigmaY), 6));
  });

  it('lands near the posterior mean on inpainting (noise-free run at zeta 0.5, measured 0.044 / 0.012)', async () => {
    for (const [task, tol] of [['inpaint-random', 0.07], ['inpaint-box', 0.03]] as const) {
      const p = gaussianProblem(task);
      // zeta 0.5: half the re-noising is the deterministic eps term this noise-free run keeps
      const s = createSampler('ddnm', task, gaussianPrior(p), { zeta: 0.5 }, p.sigmaY);
      expect(relativeError((await runSampler(s, { operator: p.op, measurement: p.y, rng: new ZeroNoise() })).sample, p)).toBeLessThan(tol);
    }
  });

  it.each(TASKS.filter((t) => !OPERATORS[t].requires))('runs 4 steps on %s: shape, finite values, one forward per step, no VJP', async (task) => {
    const p = gaussianProblem(task);
    const r = await runSampler(createSampler('ddnm', task, gaussianPrior(p), { steps: 4 }, p.sigmaY), { operator: p.op, measurement: p.y, rng: new Rng(1, 'sampler') });
    expect(r.sample.shape).toEqual(p.op.inShape);
    expect(r.sample.data.every(Number.isFinite)).toBe(true);
    expect(r.nfe).toEqual({ forward: 4, vjp: 0 });
    expect(r.trace).toHaveLength(4);
  });
});
