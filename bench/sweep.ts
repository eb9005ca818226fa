/**
 * Parameter sweep: one method over the cartesian product of parameter grids, per task, on images
 * `from`..`from + limit - 1` of a folder (the tuning images: the first two, left out of the
 * quality report). Runs are logged to bench/results/sweep-runs.jsonl (resumable, shared by every
 * sweep); the table goes to bench/results/sweep-<name>.md. For K > 1 samples a cell also shows
 * chain 0 alone (the single sample with the same seed) and the uncertainty map's rank
 * correlation with the error.
 *
 *   npx tsx bench/sweep.ts --name spgd-warm --method spgd --grid 'sigmaStart=0.5,1,2,5' --set samples=4 --tasks all
 *   npx tsx bench/sweep.ts --name ddnm --method ddnm --grid 'zeta=0.2,0.5,1;tikhonov=0.01,0.1' --tasks gaussian-blur
 *   npx tsx bench/sweep.ts --name spgd-ddnm-start --method spgd-mean --init ddnm --grid 'sigmaStart=0.1,0.2' --tasks sr-x4
 *
 * `--init <method>` warm-starts from that method's restoration ('classical' or 'ddnm'; default: the
 * method's own choice for the task, `methodInit`).
 *
 * `--report-only` rewrites the table from the log without running anything ('-' where a run is missing).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openPrior } from '../bin/cli/prior';
import type { TaskName } from '../lib/operators/types';
import { isMethod } from '../lib/samplers';
import { BENCHMARK_TASKS, formatCell, initKey, pickImages, RunLog, summarize, type RunKey } from './support/runs';

const { values: f } = parseArgs({
  options: {
    name: { type: 'string' },
    method: { type: 'string', default: 'spgd' },
    grid: { type: 'string', default: '' },
    set: { type: 'string', multiple: true, default: [] },
    init: { type: 'string' },
    tasks: { type: 'string', default: 'all' },
    data: { type: 'string', default: '../shared/data/cbsd68-256' },
    from: { type: 'string', default: '0' },
    limit: { type: 'string', default: '2' },
    size: { type: 'string', default: '128' },
    prior: { type: 'string', default: 'default' },
    out: { type: 'string', default: 'bench/results' },
    'report-only': { type: 'boolean', default: false },
  },
});

const SIGMA_Y = 0.05;
const value = (v: string): unknown => (v === 'true' ? true : v === 'false' ? false : Number.isFinite(Number(v)) ? Number(v) : v);

/** 'a=1,2;b=x,y' -> [{a:1,b:'x'}, {a:1,b:'y'}, {a:2,b:'x'}, {a:2,b:'y'}] */
function cartesian(grid: string): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const axis of grid.split(';').filter(Boolean)) {
    const [k, vs] = axis.split('=');
    points = points.flatMap((p) => vs.split(',').map((v) => ({ ...p, [k]: value(v) })));
  }
  return points;
}

async function main() {
  const method = f.method;
  if (!f.name) throw new Error('--name the sweep (its report is bench/results/sweep-<name>.md)');
  if (!isMethod(method)) throw new Error(`unknown method ${method}`);
  if (f.init !== undefined && !isMethod(f.init)) throw new Error(`unknown --init method ${f.init}`);
  const tasks = (f.tasks === 'all' ? BENCHMARK_TASKS : f.tasks.split(',')) as TaskName[];
  const fixed = Object.fromEntries(f.set.map((kv) => kv.split('=')).map(([k, v]) => [k, value(v)]));
  const points = cartesian(f.grid).map((p) => ({ ...fixed, ...p }));
  const from = Number(f.from);
  const files = pickImages(f.data, from, Number(f.limit));
  const size = Number(f.size);
  const log = new RunLog(join(f.out, 'sweep-runs.jsonl'), f.data);
  const prior = await openPrior(f.prior);
  const label = (p: Record<string, unknown>) => Object.entries(p).map(([k, v]) => `${k}=${String(v)}`).join(' ') || 'defaults';
  const keyOf = (image: string, task: TaskName, params: Record<string, unknown>): RunKey => ({
    image,
    size,
    seed: from + files.indexOf(image),
    task,
    method,
    prior: f.prior,
    params,
    ...initKey(method, task, params, SIGMA_Y, f.init),
  });

  const write = () => {
    const lines = [
      `# ${method}${f.init ? ` warm-started from ${f.init}` : ''} sweep '${f.name}' (PSNR dB / SSIM, mean over images)`,
      '',
      `${files.length} image(s) of ${f.data} (${files.join(', ')}) at ${size}x${size}, sigma_y ${SIGMA_Y}, image k of the folder uses seed k, prior ${f.prior}; parameters over the method's per-task defaults. For K > 1 samples: the mean's PSNR / SSIM, then [chain 0 alone], then the uncertainty map's Spearman correlation with the absolute error (rho).`,
      `Machine: ${cpus()[0].model}, ${cpus().length} cores (shared); node ${process.version}; ${new Date().toISOString().slice(0, 10)}. \`npx tsx bench/sweep.ts --name ${f.name} --method ${method}${f.init ? ` --init ${f.init}` : ''} --grid '${f.grid}'${f.set.map((s) => ` --set ${s}`).join('')} --tasks ${f.tasks} --from ${f.from} --limit ${f.limit} --size ${f.size}\``,
      '',
      `| task | ${points.map(label).join(' | ')} |`,
      `|---|${points.map(() => '---:').join('|')}|`,
      ...tasks.map((t) => {
        const cells = points.map((p) => {
          const recs = files.map((im) => log.find(keyOf(im, t, p)));
          if (recs.some((r) => !r)) return '-';
          const s = summarize(recs.filter((r) => r !== undefined));
          const extra = s.firstChain && !s.failed ? ` [${s.firstChain.psnr.toFixed(2)}] rho ${s.uncertaintyRank?.toFixed(2) ?? '-'}` : '';
          return `${formatCell(s)}${extra}, ${s.seconds.toFixed(0)} s`;
        });
        return `| ${t} | ${cells.join(' | ')} |`;
      }),
      '',
    ];
    writeFileSync(join(f.out, `sweep-${f.name}.md`), lines.join('\n'));
  };

  if (f['report-only']) {
    write();
    return;
  }
  for (const task of tasks) {
    for (const p of points) {
      for (const image of files) {
        const { record } = await log.run(keyOf(image, task, p), prior, SIGMA_Y);
        console.error(`${image} ${task} ${label(p)}: ${formatCell(summarize([record]))}${record.chains ? ` [chain 0 ${record.chains[0].psnr.toFixed(2)}]` : ''}, ${record.seconds.toFixed(1)} s`);
      }
      write();
    }
  }
  write();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
