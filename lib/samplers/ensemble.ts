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
 * When the prior's backend batches (ONNX Runtime), the chains run in lockstep and each step of
 * all K chains is one batched network call (`lockstep.ts`); otherwise one chain after the other.
 * Trace, snapshots and previews come from chain 0.
 *
 * @example
 *   const r = await runEnsemble((p) => createSpgd(p!.denoiser, params), prior, { operator, measurement: y }, seed, 4);
 *   r.sample;       // the mean of 4 SPGD samples
 *   r.uncertainty;  // [H, W] per-pixel std
 */
import { z } from 'zod';
import { Rng } from '../rng';
import type { Tensor } from '../tensor';
import { canLockstep, lockstepPriors } from './lockstep';
import { runSampler, type Progress, type RunOptions, type SampleResult } from './run';
import type { Nfe, PriorHandles, Sampler, SamplerContext } from './types';

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
 * Pixels per batched network call (B x H x W) that lockstep chains may reach: 4 images at
 * 128 x 128. The fused gradient model's activations grow with the batch (about 470 MiB at
 * 65,536 pixels), so larger images batch fewer chains per call (256 x 256: one, i.e. none).
 */
export const LOCKSTEP_BATCH_PIXELS = 4 * 128 * 128;

/** Chains per batched call at this image size by default (at least 1). */
export function lockstepBatch(pixels: number): number {
  return Math.max(1, Math.floor(LOCKSTEP_BATCH_PIXELS / pixels));
}

export interface EnsembleOptions extends RunOptions {
  /** Batch the chains' network calls when the prior can (default true). false: one chain after another. */
  lockstep?: boolean;
  /** Most images per batched call (default: `lockstepBatch(H x W)`). */
  maxBatch?: number;
}

/**
 * Runs `chains` chains of the sampler `create` makes from the prior (a fresh one per chain) and
 * returns their mean, spread and summed cost. `options.onStep` sees chain 0's steps; `onProgress`
 * counts the steps of all chains.
 */
export async function runEnsemble(
  create: (prior: PriorHandles | null) => Sampler<unknown>,
  prior: PriorHandles | null,
  ctx: Omit<SamplerContext, 'rng'>,
  seed: number,
  chains: number,
  options: EnsembleOptions = {},
): Promise<EnsembleResult> {
  if (!Number.isInteger(chains) || chains < 1) throw new RangeError(`an ensemble needs a positive integer number of chains, got ${chains}`);
  const start = performance.now();
  const progress: (Progress | undefined)[] = new Array<Progress | undefined>(chains).fill(undefined);
  const report = options.onProgress;
  const chainOptions = (k: number): RunOptions => ({
    onStep: k === 0 ? options.onStep : undefined,
    onProgress: report
      ? (p) => {
          progress[k] = p;
          const nfe: Nfe = { forward: 0, vjp: 0 };
          let step = 0;
          for (const q of progress) {
            step += q?.step ?? 0;
            nfe.forward += q?.nfe.forward ?? 0;
            nfe.vjp += q?.nfe.vjp ?? 0;
          }
          report({ step, steps: chains * p.steps, nfe, elapsedMs: performance.now() - start });
        }
      : undefined,
  });

  let results: SampleResult[];
  if (chains > 1 && options.lockstep !== false && canLockstep(prior)) {
    const [, h, w] = ctx.operator.inShape;
    const maxBatch = options.maxBatch ?? lockstepBatch(h * w);
    const ls = lockstepPriors(prior, chains, { maxBatch });
    results = await Promise.all(
      ls.priors.map((p, k) =>
        runSampler(create(p), { ...ctx, rng: chainRng(seed, k) }, chainOptions(k)).then(
          (r) => {
            ls.leave(k);
            return r;
          },
          (e: unknown) => {
            ls.abort(e);
            ls.leave(k);
            throw e;
          },
        ),
      ),
    );
  } else {
    results = [];
    for (let k = 0; k < chains; k++) results.push(await runSampler(create(prior), { ...ctx, rng: chainRng(seed, k) }, chainOptions(k)));
  }
  const nfe: Nfe = { forward: 0, vjp: 0 };
  for (const r of results) {
    nfe.forward += r.nfe.forward;
    nfe.vjp += r.nfe.vjp;
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
