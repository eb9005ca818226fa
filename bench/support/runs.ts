/**
 * Restoration runs for the quality and ablation benchmarks, one JSON line each in a log file,
 * so a long benchmark can be stopped and resumed (a run already in the log is not redone) and
 * its report rebuilt from whatever finished.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readImage } from '../../bin/cli/files';
import type { TaskName } from '../../lib/operators/types';
import { methodInit, methodStartsWarm, type Method } from '../../lib/samplers';
import { restoreImage, type RestorationOutcome, type RestorationRecipe } from '../../nodes/recipes';
import type { CliPrior } from '../../bin/cli/prior';
import type { Tensor } from '../../lib/tensor';
import { absErrorMap, spearman } from './rank';

/** The paper's five simulated tasks, what the quality and tuning benchmarks run (the other tasks need a user's mask or kernel). */
export const BENCHMARK_TASKS: readonly TaskName[] = ['inpaint-random', 'inpaint-box', 'gaussian-blur', 'motion-blur', 'sr-x4'];

export interface RunKey {
  image: string;
  size: number;
  seed: number;
  task: TaskName;
  method: Method;
  prior: string;
  /** Sampler overrides on top of the engine's per-task defaults ({} = defaults). */
  params: Record<string, unknown>;
  /** For a warm-started method: the method whose restoration starts it (absent: the classical estimate). */
  init?: Method;
}

export interface RunRecord extends RunKey {
  /** Of the result (the mean, for K samples). */
  psnr: number;
  ssim: number;
  /** Each chain's own sample, chain 0 (the single run with this seed) first; absent for one chain. */
  chains?: { psnr: number; ssim: number }[];
  /** Spearman correlation of the uncertainty map with the per-pixel absolute error of the mean (K > 1). */
  uncertaintyRank?: number;
  nfe: { forward: number; vjp: number };
  seconds: number;
  /** Set when the run stopped with an error (e.g. "diverged: ..."); metrics are then NaN. */
  failed?: string;
  date: string;
}

/**
 * A run key's `init`: for a warm-started method, what it starts from when that is not the
 * classical estimate (`explicit`, else the method's own choice for the task, `methodInit`).
 */
export function initKey(method: Method, task: TaskName, params: Record<string, unknown>, sigmaY: number, explicit?: Method): Pick<RunKey, 'init'> {
  if (!methodStartsWarm(method, task, { sigmaY }, params)) return {};
  const init = explicit ?? methodInit(method, task);
  return init === 'classical' ? {} : { init };
}

/** The restoration recipe a logged run ran (nodes/recipes.ts): a warm start without `init` started from the classical estimate. */
export function recipeOf(k: RunKey, sigmaY: number, model: string): Omit<RestorationRecipe, 'groundTruth' | 'measurement'> {
  const initMethod = k.init ?? (methodStartsWarm(k.method, k.task, { sigmaY }, k.params) ? 'classical' : undefined);
  return { task: k.task, method: k.method, seed: k.seed, sigmaY, model, samplerParams: k.params, ...(initMethod ? { initMethod } : {}) };
}

const keyOf = (k: RunKey) => JSON.stringify([k.image, k.size, k.seed, k.task, k.method, k.prior, Object.entries(k.params).sort(), ...(k.init ? [k.init] : [])]);

/** Images of a folder in name order: `from`..`from + limit - 1`. */
export function pickImages(folder: string, from: number, limit: number): string[] {
  return readdirSync(folder)
    .filter((n) => /\.png$/i.test(n))
    .sort()
    .slice(from, from + limit);
}

export class RunLog {
  private readonly records = new Map<string, RunRecord>();
  private readonly images = new Map<string, Tensor>();

  constructor(
    private readonly path: string,
    private readonly dataFolder: string,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      for (const line of readFileSync(path, 'utf8').split('\n')) if (line.trim()) this.keep(JSON.parse(line) as RunRecord);
    }
  }

  private keep(r: RunRecord) {
    this.records.set(keyOf(r), r);
  }

  find(k: RunKey): RunRecord | undefined {
    return this.records.get(keyOf(k));
  }

  groundTruth(image: string, size: number): Tensor {
    const id = `${image}@${size}`;
    if (!this.images.has(id)) this.images.set(id, readImage(join(this.dataFolder, image), 'data', size));
    return this.images.get(id)!;
  }

  /**
   * The logged record for `k`, or a fresh run of it (appended to the log). `outcome` is only
   * there for a fresh run; callers that need the sample (figures) rerun when it is missing.
   */
  async run(k: RunKey, prior: CliPrior, sigmaY: number): Promise<{ record: RunRecord; outcome?: RestorationOutcome }> {
    const known = this.find(k);
    if (known) return { record: known };
    const date = new Date().toISOString();
    let record: RunRecord;
    let outcome: RestorationOutcome | undefined;
    const t0 = performance.now();
    try {
      outcome = await restoreImage(
        recipeOf(k, sigmaY, prior.model),
        { groundTruth: this.groundTruth(k.image, k.size) },
        prior,
      );
      const { forward, vjp } = outcome.nfe;
      record = { ...k, psnr: outcome.psnr!, ssim: outcome.ssim!, nfe: { forward, vjp }, seconds: outcome.seconds, date };
      if (outcome.chains.length > 1) {
        record.chains = outcome.chains.map((c) => ({ psnr: c.psnr!, ssim: c.ssim! }));
        if (outcome.uncertainty) record.uncertaintyRank = spearman(outcome.uncertainty.data, absErrorMap(outcome.sample, this.groundTruth(k.image, k.size)));
      }
    } catch (e) {
      const failed = (e as Error).message.split('\n')[0];
      record = { ...k, psnr: NaN, ssim: NaN, nfe: { forward: 0, vjp: 0 }, seconds: (performance.now() - t0) / 1000, failed, date };
    }
    appendFileSync(this.path, JSON.stringify(record) + '\n');
    this.keep(record);
    return { record, outcome };
  }
}

export interface Summary {
  psnr: number;
  ssim: number;
  /** Mean over runs of chain 0's own sample (runs of K > 1 samples only). */
  firstChain?: { psnr: number; ssim: number };
  /** Mean Spearman correlation of the uncertainty map with the absolute error (K > 1 only). */
  uncertaintyRank?: number;
  seconds: number;
  nfe: { forward: number; vjp: number };
  /** Number of runs averaged; `failed` is the first failure if any run failed. */
  n: number;
  failed?: string;
}

/** Mean over runs (all with the same method and task); a failure anywhere fails the cell. */
export function summarize(records: RunRecord[]): Summary {
  const failed = records.find((r) => r.failed)?.failed;
  const mean = (f: (r: RunRecord) => number) => records.reduce((s, r) => s + f(r), 0) / records.length;
  const chained = records.every((r) => r.chains?.length);
  return {
    psnr: mean((r) => r.psnr),
    ssim: mean((r) => r.ssim),
    ...(chained && records.length
      ? {
          firstChain: { psnr: mean((r) => r.chains?.[0].psnr ?? NaN), ssim: mean((r) => r.chains?.[0].ssim ?? NaN) },
          uncertaintyRank: mean((r) => r.uncertaintyRank ?? NaN),
        }
      : {}),
    seconds: mean((r) => r.seconds),
    nfe: records[0]?.nfe ?? { forward: 0, vjp: 0 },
    n: records.length,
    failed,
  };
}

export const formatCell = (s: Summary | undefined): string =>
  !s ? '-' : s.failed ? (s.failed.startsWith('diverged') ? 'diverged' : s.failed) : `${s.psnr.toFixed(2)} / ${s.ssim.toFixed(3)}`;
