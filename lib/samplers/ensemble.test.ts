import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { tensor } from '../tensor';
import { chainRng, meanAndSpread, runEnsemble } from './ensemble';
import { createSampler, runSampler } from './index';
import { gaussianPrior, gaussianProblem, sameBits } from './testing';

describe('posterior mean of K chains', () => {
  const p = gaussianProblem('inpaint-random', { seed: 4 });
  const prior = gaussianPrior(p);
  const create = () => createSampler('spgd', 'inpaint-random', prior, { steps: 6, warmup: 2 });
  const base = { operator: p.op, measurement: p.y };

  it('K = 1 is the single run, bit for bit (chain 0 draws from the single run\'s stream)', async () => {
    const single = await runSampler(create(), { ...base, rng: new Rng(5, 'sampler') });
    const one = await runEnsemble(create, base, 5, 1);
    expect(sameBits(one.sample, single.sample)).toBe(true);
    expect(one.uncertainty.shape).toEqual([32, 32]);
    expect(one.uncertainty.data.every((v) => v === 0)).toBe(true);
  });

  it('K = 3: chain k runs its own stream, the result is their mean and per-pixel std, the cost adds up', async () => {
    const steps: number[] = [];
    const r = await runEnsemble(create, base, 5, 3, { onProgress: (pr) => steps.push(pr.step), onStep: (t) => expect(t.step).toBeLessThan(6) });
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
