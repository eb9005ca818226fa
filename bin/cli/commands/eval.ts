import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { restoreImage } from '../../../nodes/recipes';
import { parseFlags, parseMethod, parseNumber, parseSeed, parseSets, parseSize, parseTask, required } from '../args';
import { UsageError } from '../errors';
import { readImage } from '../files';
import { openPrior } from '../prior';
import { progressReporter } from '../progress';
import { evaluateOnQueue } from '../queue-eval';

export const evalHelp = `spgd eval --task <task> [--method spgd|dps|dps-ddim|ddim|diffpir] --data <dir> [--limit n] [--size px]
          [--seed 0] [--sigma-y 0.05] [--prior default|<m.onnx>|gaussian] [--set key=value ...] [--json] [--quiet]
          [--queue <server URL>]
  Mean PSNR/SSIM over the PNG/JPEG files of a folder (first n in name order). Image k uses
  seed + k for its operator, noise and sampler draws. With --queue the images are uploaded to
  that server and run there as batch work (after interactive runs), spread over its workers;
  the table is the same (SPGD_AUTH_TOKEN, when set, is sent as a bearer token).`;

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

/** What each image is restored with: the recipe of nodes/recipes.ts, seed + k for image k. */
export interface EvalSpec {
  task: ReturnType<typeof parseTask>;
  method: string;
  seed: number;
  sigmaY: number;
  size: number | undefined;
  samplerParams: Record<string, unknown>;
  prior: string | undefined;
}

/** The PNG/JPEG files of --data in name order, the first `limit`. */
function imageFiles(dir: string, limit: number): string[] {
  let files: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--data ${dir}: not a directory`);
    files = readdirSync(dir).filter((n) => IMAGE_EXT.test(n)).sort();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--data ${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
  }
  if (files.length === 0) throw new UsageError(`--data ${dir}: no PNG or JPEG files`);
  return files.slice(0, limit);
}

async function evaluateHere(spec: EvalSpec, dir: string, files: string[], quiet: boolean): Promise<EvalRow[]> {
  const prior = await openPrior(spec.prior);
  const rows: EvalRow[] = [];
  for (const [k, file] of files.entries()) {
    const gt = readImage(join(dir, file), 'data');
    const progress = progressReporter(`[${k + 1}/${files.length}] ${file}`, quiet);
    const o = await restoreImage(
      { task: spec.task, method: spec.method, seed: spec.seed + k, sigmaY: spec.sigmaY, model: prior.model, samplerParams: spec.samplerParams },
      { groundTruth: gt, size: spec.size },
      prior,
      {
        onEvent: (e) => {
          if (e.type === 'progress') progress.update(e);
        },
      },
    );
    progress.done();
    if (o.psnr === undefined || o.ssim === undefined) throw new Error(`${file}: the restoration reported no PSNR/SSIM against its ground truth`);
    rows.push({ file, psnr: o.psnr, ssim: o.ssim, nfe: o.nfe.forward, seconds: o.seconds });
  }
  return rows;
}

export async function evaluate(argv: string[]) {
  const f = parseFlags(argv, {
    task: { type: 'string' },
    method: { type: 'string' },
    data: { type: 'string' },
    limit: { type: 'string' },
    size: { type: 'string' },
    seed: { type: 'string' },
    'sigma-y': { type: 'string' },
    prior: { type: 'string' },
    set: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    queue: { type: 'string' },
  });
  const spec: EvalSpec = {
    task: parseTask(f.task),
    method: parseMethod(f.method),
    seed: parseSeed(f.seed),
    sigmaY: parseNumber(f['sigma-y'], 'sigma-y', 0.05, (n) => n >= 0 && n <= 1),
    size: parseSize(f.size),
    samplerParams: parseSets(f.set),
    prior: f.prior,
  };
  const dir = required(f.data, 'data');
  const limit = parseNumber(f.limit, 'limit', Infinity, (n) => Number.isInteger(n) && n >= 1);
  const files = imageFiles(dir, limit);
  const quiet = f.quiet === true || f.json === true;

  const start = performance.now();
  const rows = f.queue === undefined ? await evaluateHere(spec, dir, files, quiet) : await evaluateOnQueue(f.queue, spec, dir, files, quiet);
  const mean = (key: 'psnr' | 'ssim') => rows.reduce((s, r) => s + r[key], 0) / rows.length;
  const summary = {
    task: spec.task,
    method: spec.method,
    n: rows.length,
    psnr: mean('psnr'),
    ssim: mean('ssim'),
    nfe: rows[0].nfe,
    seconds: (performance.now() - start) / 1000,
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
