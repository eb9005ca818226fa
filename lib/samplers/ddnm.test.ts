import { describe, expect, it } from 'vitest';
import { OPERATORS } from '../operators';
import { TASKS, type TaskName } from '../operators/types';
import { Rng } from '../rng';
import { createDdnm } from './ddnm';
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

  it('lands near the posterior mean on inpainting (noise-free run, measured 0.044 / 0.012)', async () => {
    for (const [task, tol] of [['inpaint-random', 0.07], ['inpaint-box', 0.03]] as const) {
      const p = gaussianProblem(task);
      const s = createSampler('ddnm', task, gaussianPrior(p), {}, p.sigmaY);
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
