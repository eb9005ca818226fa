/**
 * The posterior mean of K samples and its per-pixel spread, an uncertainty map.
 *
 * K chains of one sampler configuration; chain k draws from its own stream of the sampler's seed
 * (chain 0 from the single run's stream, so K = 1 is the single run bit for bit). With the K
 * final images x_k `[C, H, W]`:
 *
 *   mean   = (1/K) sum_k x_k                                          [C, H, W]
 *   std_p  = sqrt( (1/C) sum_c (1/(K-1)) sum_k (x_k[c,p] - mean[c,p])^2 )   [H, W]  (0 when K = 1)
 *
 * i.e. the unbiased per-channel variance, averaged over the channels, per pixel. A posterior
 * sample's expected squared error is about twice the posterior variance; the mean of K samples
 * brings it to (1 + 1/K) times, which is why the mean scores higher on PSNR than any one sample.
 *
 * The chains run one after the other here; trace, snapshots and previews come from chain 0.
 *
 * @example
 *   const r = await runEnsemble(() => createSpgd(denoiser, params), { operator, measurement: y }, seed, 4);
 *   r.sample;       // the mean of 4 SPGD samples
 *   r.uncertainty;  // [H, W] per-pixel std
 */
import { z } from 'zod';
import { Rng } from '../rng';
import type { Tensor } from '../tensor';
import { runSampler, type RunOptions, type SampleResult } from './run';
import type { Nfe, Sampler, SamplerContext } from './types';

/** The ensemble parameter as a zod shape, spread into the schema of every sampler that draws random samples. */
export const ensembleShape = {
  samples: z
    .number()
    .int()
    .min(1)
    .max(64)
    .default(1)
    .describe('K: chains from seeds derived from the seed; the result is their mean, the uncertainty map their per-pixel std (K times the cost)'),
};

/** The random stream of chain k of a sampler seeded with `seed` (chain 0: the single run's stream). */
export function chainRng(seed: number, chain: number): Rng {
  return new Rng(seed, chain === 0 ? 'sampler' : `sampler/chain-${chain}`);
}

/** The number of chains a sampler configuration asks for (1 for samplers without `samples`). */
export function chainsOf(params: Record<string, unknown>): number {
  return typeof params.samples === 'number' ? params.samples : 1;
}

export interface EnsembleResult extends SampleResult {
  /** The mean of the chains' samples (`sample` of SampleResult). */
  sample: Tensor;
  /** `[H, W]` per-pixel std over the chains (zeros for one chain). */
  uncertainty: Tensor;
  /** Every chain's final sample, chain 0 first. */
  samples: Tensor[];
}

/** Mean and per-pixel std of K images `[C, H, W]` (float64 accumulation). */
export function meanAndSpread(images: readonly Tensor[]): { mean: Tensor; std: Tensor } {
  const k = images.length;
  if (k === 0) throw new RangeError('meanAndSpread needs at least one image');
  const [c, h, w] = images[0].shape;
  const plane = h * w;
  const n = c * plane;
  const sum = new Float64Array(n);
  for (const im of images) for (let i = 0; i < n; i++) sum[i] += im.data[i];
  const mean = new Float32Array(n);
  for (let i = 0; i < n; i++) mean[i] = sum[i] / k;
  const std = new Float32Array(plane);
  if (k > 1) {
    const sq = new Float64Array(plane);
    for (const im of images) {
      for (let ch = 0; ch < c; ch++) {
        for (let p = 0; p < plane; p++) {
          const d = im.data[ch * plane + p] - sum[ch * plane + p] / k;
          sq[p] += d * d;
        }
      }
    }
    for (let p = 0; p < plane; p++) std[p] = Math.sqrt(sq[p] / ((k - 1) * c));
  }
  return { mean: { shape: [c, h, w], data: mean }, std: { shape: [h, w], data: std } };
}

/**
 * Runs `chains` chains of the sampler `create` makes (a fresh one per chain) and returns their
 * mean, spread and summed cost. `options.onStep` sees chain 0's steps; `onProgress` counts the
 * steps of all chains.
 */
export async function runEnsemble(
  create: () => Sampler<unknown>,
  ctx: Omit<SamplerContext, 'rng'>,
  seed: number,
  chains: number,
  options: RunOptions = {},
): Promise<EnsembleResult> {
  if (!Number.isInteger(chains) || chains < 1) throw new RangeError(`an ensemble needs a positive integer number of chains, got ${chains}`);
  const start = performance.now();
  const results: SampleResult[] = [];
  const nfe: Nfe = { forward: 0, vjp: 0 };
  for (let k = 0; k < chains; k++) {
    const before = { ...nfe };
    const r = await runSampler(create(), { ...ctx, rng: chainRng(seed, k) }, {
      onStep: k === 0 ? options.onStep : undefined,
      onProgress: options.onProgress
        ? (p) => {
            options.onProgress?.({
              step: k * p.steps + p.step,
              steps: chains * p.steps,
              nfe: { forward: before.forward + p.nfe.forward, vjp: before.vjp + p.nfe.vjp },
              elapsedMs: performance.now() - start,
            });
          }
        : undefined,
    });
    nfe.forward += r.nfe.forward;
    nfe.vjp += r.nfe.vjp;
    results.push(r);
  }
  const samples = results.map((r) => r.sample);
  const { mean, std } = meanAndSpread(samples);
  return {
    sample: mean,
    uncertainty: std,
    samples,
    trace: results[0].trace,
    snapshots: results[0].snapshots,
    nfe,
    seconds: (performance.now() - start) / 1000,
  };
}
