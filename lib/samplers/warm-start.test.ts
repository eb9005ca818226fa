import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { alphaBarAt } from '../diffusion/ddpm';
import { Rng } from '../rng';
import { createSampler, runSampler, type Method } from './index';
import { gaussianPrior, gaussianProblem, relativeError, sameBits, ZeroNoise } from './testing';

const p = gaussianProblem('inpaint-random', { seed: 2 });
const ctx = (extra = {}) => ({ operator: p.op, measurement: p.y, rng: new Rng(9, 'sampler'), ...extra });
/** Small configurations of every sampler that walks a noise grid, and its first noise level. */
const SMALL: [Method, Record<string, unknown>, number][] = [
  ['spgd', { steps: 12 }, 100],
  ['dps', { steps: 12 }, Math.sqrt(1 / alphaBarAt(999) - 1)],
  ['diffpir', { steps: 12 }, 100],
  ['ddnm', { steps: 12 }, 100],
  ['daps', { steps: 12, langevinSteps: 5 }, 100],
];
const priorFor = (m: Method) => gaussianPrior(p, m === 'dps' ? 'discrete' : 'continuous');

describe('warm start (CCDF)', () => {
  it.each(SMALL)('%s: sigma_start at or above the first level is the cold start, bit for bit, init or not', async (method, params, firstLevel) => {
    const cold = await runSampler(createSampler(method, 'inpaint-random', priorFor(method), params), ctx());
    for (const sigmaStart of [1000, firstLevel]) {
      const s = createSampler(method, 'inpaint-random', priorFor(method), { ...params, sigmaStart });
      expect(s.warmStart).toBe(false);
      const warm = await runSampler(s, ctx({ init: p.posteriorMean }));
      expect(sameBits(warm.sample, cold.sample)).toBe(true);
      expect(warm.nfe).toEqual(cold.nfe);
    }
  });

  it.each(SMALL)('%s: a warm start skips the levels above sigma_start and needs an initial estimate', async (method, params) => {
    const cold = createSampler(method, 'inpaint-random', priorFor(method), params);
    const warm = createSampler(method, 'inpaint-random', priorFor(method), { ...params, sigmaStart: 1 });
    expect(warm.warmStart).toBe(true);
    expect(warm.steps).toBeGreaterThan(0);
    expect(warm.steps).toBeLessThan(cold.steps);
    expect(warm.nfe.forward / warm.steps).toBeCloseTo(cold.nfe.forward / cold.steps, 5);
    expect(() => warm.init(ctx())).toThrow(SpgdError);
    expect(() => warm.init(ctx())).toThrow(/needs an initial estimate/);
    const r = await runSampler(warm, ctx({ init: p.posteriorMean }));
    expect(r.trace).toHaveLength(warm.steps);
    expect(r.sample.data.every(Number.isFinite)).toBe(true);
  });

  it('from the posterior mean at a low level, SPGD ends nearer to it than a cold run, with a quarter of the network calls', async () => {
    const cold = createSampler('spgd', 'inpaint-random', priorFor('spgd'), { eta: 1 });
    const warm = createSampler('spgd', 'inpaint-random', priorFor('spgd'), { eta: 1, sigmaStart: 0.3 });
    expect(warm.nfe.forward).toBeLessThan(cold.nfe.forward / 4);
    const run = (s: typeof cold) => runSampler(s, { operator: p.op, measurement: p.y, rng: new ZeroNoise(), init: p.posteriorMean });
    const coldError = relativeError((await run(cold)).sample, p);
    const warmError = relativeError((await run(warm)).sample, p);
    expect(warmError).toBeLessThan(coldError);
  });

  it('rejects an initial estimate of the wrong shape', () => {
    const warm = createSampler('diffpir', 'inpaint-random', priorFor('diffpir'), { sigmaStart: 1 });
    expect(() => warm.init(ctx({ init: { shape: [3, 8, 8], data: new Float32Array(192) } }))).toThrow(/initial estimate is \[3, 8, 8\]/);
  });
});
