import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { tensor } from '../tensor';
import type { Denoiser } from '../diffusion/types';
import { chainRng, meanAndSpread, runEnsemble } from './ensemble';
import { createSampler, runSampler } from './index';
import { gaussianPrior, gaussianProblem, sameBits } from './testing';
import type { PriorHandles } from './types';

/** A denoiser with batched calls that are the single calls mapped (so lockstep must match bit for bit), counting batches. */
function batching(inner: Denoiser, log: { batch: number[] }, failAt = Infinity): Denoiser {
  return {
    ...inner,
    denoise: (x, s) => inner.denoise(x, s),
    denoiseWithGrad: (x, s, l) => inner.denoiseWithGrad(x, s, l),
    denoiseBatch: async (xs, s) => {
      log.batch.push(xs.length);
      return Promise.all(xs.map((x) => inner.denoise(x, s)));
    },
    denoiseWithGradBatch: async (xs, s, losses) => {
      log.batch.push(xs.length);
      if (log.batch.length >= failAt) throw new Error('backend failed');
      const out = [];
      for (let k = 0; k < xs.length; k++) out.push(await inner.denoiseWithGrad(xs[k], s, losses[k]));
      return out;
    },
  };
}

describe('posterior mean of K chains', () => {
  const p = gaussianProblem('inpaint-random', { seed: 4 });
  const prior = gaussianPrior(p);
  const create = (pr: PriorHandles | null = prior) => createSampler('spgd', 'inpaint-random', pr, { steps: 6, warmup: 2 });
  const base = { operator: p.op, measurement: p.y };

  it('K = 1 is the single run, bit for bit (chain 0 draws from the single run\'s stream)', async () => {
    const single = await runSampler(create(), { ...base, rng: new Rng(5, 'sampler') });
    const one = await runEnsemble(create, prior, base, 5, 1);
    expect(sameBits(one.sample, single.sample)).toBe(true);
    expect(one.uncertainty.shape).toEqual([32, 32]);
    expect(one.uncertainty.data.every((v) => v === 0)).toBe(true);
  });

  it('K = 3: chain k runs its own stream, the result is their mean and per-pixel std, the cost adds up', async () => {
    const steps: number[] = [];
    const r = await runEnsemble(create, prior, base, 5, 3, { onProgress: (pr) => steps.push(pr.step), onStep: (t) => expect(t.step).toBeLessThan(6) });
    for (let k = 0; k < 3; k++) {
      const alone = await runSampler(create(), { ...base, rng: chainRng(5, k) });
      expect(sameBits(r.samples[k], alone.sample)).toBe(true);
    }
    expect(sameBits(r.samples[1], r.samples[2])).toBe(false);
    const { mean, std } = meanAndSpread(r.samples);
    expect(sameBits(r.sample, mean)).toBe(true);
    expect(sameBits(r.uncertainty, std)).toBe(true);
    expect(r.nfe).toEqual({ forward: 36, vjp: 36 });
    expect(r.trace).toHaveLength(6);
    expect(steps).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
  });

  it('K = 3 in lockstep: one batched call per guidance step for all chains, the same samples bit for bit', async () => {
    const log = { batch: [] as number[] };
    const batched = { ...prior, denoiser: batching(prior.denoiser, log) };
    const steps: number[] = [];
    const r = await runEnsemble(create, batched, base, 5, 3, { onProgress: (pr) => steps.push(pr.step) });
    const sequential = await runEnsemble(create, prior, base, 5, 3);
    for (let k = 0; k < 3; k++) expect(sameBits(r.samples[k], sequential.samples[k])).toBe(true);
    expect(sameBits(r.uncertainty, sequential.uncertainty)).toBe(true);
    // 6 steps x N = 2 warm-up gradients, each one call for the 3 chains.
    expect(log.batch).toEqual(Array.from({ length: 12 }, () => 3));
    expect(r.nfe).toEqual({ forward: 36, vjp: 36 });
    // Progress counts every chain's steps: 18 in all, ending at 18.
    expect(steps).toHaveLength(18);
    expect(steps.at(-1)).toBe(18);
    // maxBatch 2: each step's 3 calls go out as a batch of 2 and a single call.
    log.batch.length = 0;
    const split = await runEnsemble(create, batched, base, 5, 3, { maxBatch: 2 });
    expect(sameBits(split.sample, sequential.sample)).toBe(true);
    expect(log.batch).toEqual(Array.from({ length: 12 }, () => 2));
  });

  it('lockstep: a backend failure fails the ensemble (no chain left waiting)', async () => {
    const log = { batch: [] as number[] };
    const failing = { ...prior, denoiser: batching(prior.denoiser, log, 4) };
    await expect(runEnsemble(create, failing, base, 5, 3)).rejects.toThrow('backend failed');
    expect(log.batch).toHaveLength(4);
  });

  it('meanAndSpread: mean per element, unbiased variance averaged over channels per pixel', () => {
    const a = tensor([2, 1, 2], [0, 2, 4, 6]);
    const b = tensor([2, 1, 2], [2, 2, 0, 10]);
    const { mean, std } = meanAndSpread([a, b]);
    expect([...mean.data]).toEqual([1, 2, 2, 8]);
    // pixel 0: channel variances 2 and 8 -> sqrt(5); pixel 1: 0 and 8 -> 2.
    expect(std.shape).toEqual([1, 2]);
    expect(std.data[0]).toBeCloseTo(Math.sqrt(5), 6);
    expect(std.data[1]).toBeCloseTo(2, 6);
  });
});
