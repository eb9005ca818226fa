import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphDocument } from '../../../lib/graph/document';
import { MemorySources } from '../../../lib/plan/memory-sources';
import type { Plan, RunMetrics } from '../../../lib/plan/types';
import type { Tensor } from '../../../lib/tensor';
import loadImage from '../../../nodes/input/load-image';
import { restoreImage } from '../../../nodes/recipes';
import { parseFlags, parseInit, parseMethod, parseNumber, parseSeed, parseSets, parseSize, parseTask, required } from '../args';
import { METHODS } from '../../../lib/samplers';
import { UsageError } from '../errors';
import { readImage } from '../files';
import { applySets, graphPriors, presetDocument, runDocument } from '../graph-io';
import { openPrior, type CliPrior } from '../prior';
import { progressReporter } from '../progress';
import { evaluateOnQueue } from '../queue-eval';
import { CliSpeed } from '../speed';

export const evalHelp = `spgd eval --task <task> [--method ${METHODS.join('|')}] --data <dir> [--limit n] [--size px]
          [--seed 0] [--sigma-y 0.05] [--prior default|<m.onnx>|gaussian] [--set key=value ...] [--init <method>] [--json] [--quiet]
          [--queue <server URL>]
spgd eval --preset <id> --data <dir> [--limit n] [--size px] [--seed 0] [--prior ...] [--set NODE.param=value ...] [--json]
  Mean PSNR/SSIM over the PNG/JPEG files of a folder (first n in name order). Image k uses
  seed + k for its operator, noise and sampler draws. With --preset a saved graph is scored like
  a method: its Load image node takes each image (at --size), the measurement is simulated as the
  graph says, every seed param is offset by seed + k, and the Metrics node's PSNR/SSIM (else the
  result's) are averaged. With --queue (methods only) the images are uploaded to that server and
  their restoration graphs run there as batch work (after interactive runs), spread over its
  workers; the table is the same (SPGD_AUTH_TOKEN, when set, is sent as a bearer token).`;

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** One image's scores (the rows of the table and of --json). */
export interface EvalRow {
  file: string;
  psnr: number;
  ssim: number;
  nfe: number;
  seconds: number;
  /** With --queue: the worker that ran it. */
  worker?: string;
}

/** What each image is restored with on a server's queue: the recipe of nodes/recipes.ts, seed + k for image k. */
export interface EvalSpec {
  task: ReturnType<typeof parseTask>;
  method: string;
  seed: number;
  sigmaY: number;
  size: number | undefined;
  samplerParams: Record<string, unknown>;
  /** A warm start's initial estimate (absent: the method's own choice, `methodInit`). */
  initMethod?: string;
  prior: string | undefined;
}

export async function evaluate(argv: string[]) {
  const f = parseFlags(argv, {
    task: { type: 'string' },
    method: { type: 'string' },
    preset: { type: 'string' },
    data: { type: 'string' },
    limit: { type: 'string' },
    size: { type: 'string' },
    seed: { type: 'string' },
    'sigma-y': { type: 'string' },
    prior: { type: 'string' },
    set: { type: 'string', multiple: true },
    init: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    queue: { type: 'string' },
  });
  const dir = required(f.data, 'data');
  const seed = parseSeed(f.seed);
  const limit = parseNumber(f.limit, 'limit', Infinity, (n) => Number.isInteger(n) && n >= 1);
  const size = parseSize(f.size);
  const files = imageFiles(dir).slice(0, limit);
  const quiet = f.quiet === true || f.json === true;

  const start = performance.now();
  let label: Record<string, string>;
  let rows: EvalRow[];
  // The estimate (`estimateSeconds`) with this machine's measured speeds; null for a graph without a prior or on a queue.
  let speed: CliSpeed | null = null;
  let estimateSeconds: number | null = null;
  // The first image's plan prices the whole folder (it pays the model's opening, the others do not).
  const onPlan = async (plan: Plan) => {
    if (estimateSeconds === null && speed) estimateSeconds = await speed.estimate(plan, files.length);
  };
  if (f.preset) {
    if (f.task || f.method || f['sigma-y'] || f.init) throw new UsageError('--preset scores a saved graph: its task, method, start and noise come from the graph (drop --task, --method, --init, --sigma-y)');
    if (f.queue !== undefined) throw new UsageError('--queue runs methods (--task, --method) on a server; score --preset on this machine (drop --queue)');
    const doc = presetDocument(f.preset);
    applySets(doc, f.set);
    const imageNode = soleLoadImage(doc);
    const priors = await graphPriors(doc, f.prior);
    label = { preset: f.preset };
    const first = firstPrior(priors);
    const presetSpeed = first ? new CliSpeed(first, f.quiet === true) : null;
    speed = presetSpeed;
    rows = await scoreEach(dir, files, quiet, async (gt, k, onProgress) => {
      const sources = new MemorySources();
      const run: GraphDocument = structuredClone(doc);
      run.nodes[imageNode].params.source = sources.add(gt);
      if (size !== undefined) run.nodes[imageNode].params.size = size;
      for (const n of Object.values(run.nodes)) if (typeof n.params.seed === 'number') n.params.seed += seed + k;
      const r = await runDocument(run, sources, priors, { onPlan, onEvent: (e) => e.type === 'progress' && onProgress(e) });
      presetSpeed?.learn(r);
      const m = metricsOf(r.outputs) ?? r.metrics;
      if (m.psnr === undefined || m.ssim === undefined) throw new UsageError(`--preset ${f.preset}: the graph reports no PSNR/SSIM (its measurement must be simulated from the Load image)`);
      return { psnr: m.psnr, ssim: m.ssim, nfe: r.nfe.forward, seconds: r.seconds };
    });
  } else {
    const task = parseTask(f.task);
    const method = parseMethod(f.method);
    const sigmaY = parseNumber(f['sigma-y'], 'sigma-y', 0.05, (n) => n >= 0 && n <= 1);
    const samplerParams = parseSets(f.set);
    const initMethod = parseInit(f.init, method, task, sigmaY, samplerParams);
    const spec: EvalSpec = { task, method, seed, sigmaY, size, samplerParams, ...(initMethod ? { initMethod } : {}), prior: f.prior };
    label = { task: spec.task, method: spec.method };
    if (f.queue !== undefined) rows = await evaluateOnQueue(f.queue, spec, dir, files, quiet);
    else {
      const prior = await openPrior(spec.prior);
      const methodSpeed = new CliSpeed(prior, f.quiet === true);
      speed = methodSpeed;
      rows = await scoreEach(dir, files, quiet, async (gt, k, onProgress) => {
        const o = await restoreImage(
          { task: spec.task, method: spec.method, seed: seed + k, sigmaY: spec.sigmaY, model: prior.model, samplerParams: spec.samplerParams, initMethod: spec.initMethod },
          { groundTruth: gt, size },
          prior,
          { onPlan, onEvent: (e) => e.type === 'progress' && onProgress(e) },
        );
        methodSpeed.learn(o);
        if (o.psnr === undefined || o.ssim === undefined) throw new Error('a simulated measurement always has PSNR/SSIM');
        return { psnr: o.psnr, ssim: o.ssim, nfe: o.nfe.forward, seconds: o.seconds };
      });
    }
  }
  speed?.save();
  const mean = (key: 'psnr' | 'ssim') => rows.reduce((s, r) => s + r[key], 0) / rows.length;
  const summary = {
    ...label,
    n: rows.length,
    psnr: mean('psnr'),
    ssim: mean('ssim'),
    nfe: rows[0].nfe,
    seconds: (performance.now() - start) / 1000,
    estimateSeconds,
    images: rows,
  };
  if (f.json) console.log(JSON.stringify(summary));
  else {
    const byWorker = rows.some((r) => r.worker !== undefined);
    console.log(`| image | PSNR (dB) | SSIM | seconds |${byWorker ? ' worker |' : ''}\n|---|---:|---:|---:|${byWorker ? '---|' : ''}`);
    for (const r of rows) console.log(`| ${r.file} | ${r.psnr.toFixed(2)} | ${r.ssim.toFixed(4)} | ${r.seconds.toFixed(1)} |${byWorker ? ` ${r.worker ?? ''} |` : ''}`);
    console.log(`| **mean of ${rows.length}** | **${summary.psnr.toFixed(2)}** | **${summary.ssim.toFixed(4)}** | ${summary.seconds.toFixed(1)} total |${byWorker ? ' |' : ''}`);
  }
}

type Progress = Parameters<ReturnType<typeof progressReporter>['update']>[0];

/** Scores the images one after another on this machine, with a progress line each. */
async function scoreEach(dir: string, files: string[], quiet: boolean, score: (gt: Tensor, k: number, onProgress: (p: Progress) => void) => Promise<Omit<EvalRow, 'file'>>): Promise<EvalRow[]> {
  const rows: EvalRow[] = [];
  for (const [k, file] of files.entries()) {
    const gt = readImage(join(dir, file), 'data');
    const progress = progressReporter(`[${k + 1}/${files.length}] ${file}`, quiet);
    rows.push({ file, ...(await score(gt, k, (p) => progress.update(p))) });
    progress.done();
  }
  return rows;
}

/** The PNG/JPEG files of a folder, in name order. */
function imageFiles(dir: string): string[] {
  let files: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--data ${dir}: not a directory`);
    files = readdirSync(dir).filter((n) => IMAGE_EXT.test(n)).sort();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--data ${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
  }
  if (files.length === 0) throw new UsageError(`--data ${dir}: no PNG or JPEG files`);
  return files;
}

/** The id of the graph's one Load image node (each dataset image goes there). */
function soleLoadImage(doc: GraphDocument): string {
  const ids = Object.entries(doc.nodes)
    .filter(([, n]) => n.type === loadImage.type && n.mode !== 'bypass')
    .map(([id]) => id);
  if (ids.length !== 1) throw new UsageError(`--preset: the graph needs exactly one Load image node for the dataset images, it has ${ids.length}${ids.length ? ` (${ids.join(', ')})` : ''}`);
  return ids[0];
}

/** The prior a graph's estimate calibrates with (its first), if it runs one. */
function firstPrior(priors: Map<string, CliPrior>): CliPrior | undefined {
  return priors.values().next().value;
}

/** The metrics of the graph's Metrics node, when it has exactly one. */
function metricsOf(outputs: Map<string, Record<string, { kind: string }>>): RunMetrics | undefined {
  const found = [...outputs.values()].flatMap((o) => Object.values(o)).filter((v): v is { kind: 'Metrics'; metrics: RunMetrics } => v.kind === 'Metrics');
  return found.length === 1 ? found[0].metrics : undefined;
}
