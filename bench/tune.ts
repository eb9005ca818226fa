/**
 * Step-size sweep: mean PSNR/SSIM of one method over a grid of one parameter, per task, on the
 * first n images of a folder. Writes a markdown table to bench/results/tuning-<method>.md.
 *
 *   npx tsx bench/tune.ts --method spgd --param eta --values 0.5,1,2,4 --tasks all --data ../shared/data/cbsd68-256 --limit 4 --size 64
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readImage } from '../bin/cli/files';
import { openPrior } from '../bin/cli/prior';
import { TASKS, type TaskName } from '../lib/operators/types';
import { restoreImage } from '../nodes/recipes';
import { isMethod } from '../lib/samplers';
import { pickImages } from './support/runs';

const { values: f } = parseArgs({
  options: {
    method: { type: 'string', default: 'spgd' },
    param: { type: 'string', default: 'eta' },
    values: { type: 'string' },
    tasks: { type: 'string', default: 'all' },
    data: { type: 'string', default: '../shared/data/cbsd68-256' },
    limit: { type: 'string', default: '4' },
    size: { type: 'string', default: '64' },
    seed: { type: 'string', default: '0' },
    set: { type: 'string', multiple: true, default: [] },
    prior: { type: 'string', default: 'default' },
    out: { type: 'string' },
  },
});

async function main() {
  const method = f.method;
  if (!isMethod(method)) throw new Error(`unknown method ${method}`);
  const values = (f.values ?? '').split(',').map(Number);
  if (!values.length || values.some((v) => !Number.isFinite(v))) throw new Error('--values a,b,c');
  const tasks = (f.tasks === 'all' ? TASKS : f.tasks.split(',')) as TaskName[];
  const files = pickImages(f.data, 0, Number(f.limit));
  const size = Number(f.size);
  const images = files.map((n) => readImage(join(f.data, n), 'data', size));
  const fixed = Object.fromEntries(f.set.map((kv) => kv.split('=')).map(([k, v]) => [k, v === 'true' ? true : v === 'false' ? false : Number(v)]));
  const prior = await openPrior(f.prior);

  const rows: string[] = [];
  const best: Partial<Record<string, { value: number; psnr: number }>> = {};
  for (const task of tasks) {
    const cells: string[] = [];
    for (const value of values) {
      let psnr = 0;
      let ssim = 0;
      let failed = '';
      const t0 = performance.now();
      for (const [k, gt] of images.entries()) {
        try {
          const o = await restoreImage(
            { task, method, seed: Number(f.seed) + k, sigmaY: 0.05, model: prior.model, samplerParams: { ...fixed, [f.param]: value } },
            { groundTruth: gt },
            prior,
          );
          psnr += o.psnr! / images.length;
          ssim += o.ssim! / images.length;
        } catch (e) {
          failed = (e as Error).message.startsWith('diverged') ? 'diverged' : (e as Error).message;
          break;
        }
      }
      const sec = (performance.now() - t0) / 1000;
      cells.push(failed ? failed : `${psnr.toFixed(2)} / ${ssim.toFixed(3)}`);
      if (!failed && (!best[task] || psnr > best[task].psnr)) best[task] = { value, psnr };
      console.error(`${task} ${f.param}=${value}: ${cells.at(-1)} (${sec.toFixed(0)} s)`);
    }
    rows.push(`| ${task} | ${cells.join(' | ')} | **${best[task]?.value ?? '-'}** |`);
  }
  const md = [
    `# ${method}: sweep of ${f.param} (PSNR dB / SSIM)`,
    '',
    `${images.length} images of ${f.data} (${files.join(', ')}), ${size}x${size}, sigma_y 0.05, seeds ${f.seed}..${Number(f.seed) + images.length - 1}, prior ${f.prior}` +
      (f.set.length ? `, fixed ${f.set.join(' ')}` : '') +
      '.',
    `Machine: ${cpus()[0].model}, ${cpus().length} cores; node ${process.version}; ${new Date().toISOString().slice(0, 10)}.`,
    '',
    `| task | ${values.map((v) => `${f.param}=${v}`).join(' | ')} | best |`,
    `|---|${values.map(() => '---:').join('|')}|---:|`,
    ...rows,
    '',
  ].join('\n');
  mkdirSync('bench/results', { recursive: true });
  const out = f.out ?? `bench/results/tuning-${method}-${f.param}.md`;
  writeFileSync(out, md);
  console.log(md);
  console.log(JSON.stringify(best));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
