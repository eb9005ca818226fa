import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { restoreImage } from '../../../nodes/recipes';
import { parseFlags, parseMethod, parseNumber, parseSeed, parseSets, parseSize, parseTask, required } from '../args';
import { UsageError } from '../errors';
import { readImage } from '../files';
import { openPrior } from '../prior';
import { progressReporter } from '../progress';

export const evalHelp = `spgd eval --task <task> [--method spgd|dps|dps-ddim|ddim|diffpir] --data <dir> [--limit n] [--size px]
          [--seed 0] [--sigma-y 0.05] [--prior default|<m.onnx>|gaussian] [--set key=value ...] [--json] [--quiet]
  Mean PSNR/SSIM over the PNG/JPEG files of a folder (first n in name order). Image k uses
  seed + k for its operator, noise and sampler draws.`;

const IMAGE_EXT = /\.(png|jpe?g)$/i;

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
  });
  const task = parseTask(f.task);
  const method = parseMethod(f.method);
  const dir = required(f.data, 'data');
  const seed = parseSeed(f.seed);
  const sigmaY = parseNumber(f['sigma-y'], 'sigma-y', 0.05, (n) => n >= 0 && n <= 1);
  const limit = parseNumber(f.limit, 'limit', Infinity, (n) => Number.isInteger(n) && n >= 1);
  const size = parseSize(f.size);
  const samplerParams = parseSets(f.set);

  let files: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--data ${dir}: not a directory`);
    files = readdirSync(dir).filter((n) => IMAGE_EXT.test(n)).sort();
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--data ${dir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`);
  }
  if (files.length === 0) throw new UsageError(`--data ${dir}: no PNG or JPEG files`);
  files = files.slice(0, limit);

  const prior = await openPrior(f.prior);
  const quiet = f.quiet || f.json;
  const rows: { file: string; psnr: number; ssim: number; nfe: number; seconds: number }[] = [];
  const start = performance.now();
  for (const [k, file] of files.entries()) {
    const gt = readImage(join(dir, file), 'data');
    const progress = progressReporter(`[${k + 1}/${files.length}] ${file}`, quiet);
    const o = await restoreImage({ task, method, seed: seed + k, sigmaY, model: prior.model, samplerParams }, { groundTruth: gt, size }, prior, {
      onEvent: (e) => {
        if (e.type === 'progress') progress.update(e);
      },
    });
    progress.done();
    if (o.psnr === undefined || o.ssim === undefined) throw new Error(`${file}: the restoration reported no PSNR/SSIM against its ground truth`);
    rows.push({ file, psnr: o.psnr, ssim: o.ssim, nfe: o.nfe.forward, seconds: o.seconds });
  }
  const mean = (key: 'psnr' | 'ssim') => rows.reduce((s, r) => s + r[key], 0) / rows.length;
  const summary = {
    task,
    method,
    n: rows.length,
    psnr: mean('psnr'),
    ssim: mean('ssim'),
    nfe: rows[0].nfe,
    seconds: (performance.now() - start) / 1000,
    images: rows,
  };
  if (f.json) console.log(JSON.stringify(summary));
  else {
    console.log(`| image | PSNR (dB) | SSIM | seconds |\n|---|---:|---:|---:|`);
    for (const r of rows) console.log(`| ${r.file} | ${r.psnr.toFixed(2)} | ${r.ssim.toFixed(4)} | ${r.seconds.toFixed(1)} |`);
    console.log(`| **mean of ${rows.length}** | **${summary.psnr.toFixed(2)}** | **${summary.ssim.toFixed(4)}** | ${summary.seconds.toFixed(1)} total |`);
  }
}
