/**
 * Quality report (the paper's Table 1 protocol): every task x method on images `from`..`from +
 * limit - 1` of a folder (name order), sigma_y 0.05, fixed seeds (image k of the folder uses
 * seed k), each method with the engine's per-task defaults.
 *
 * Runs are logged to bench/results/quality-runs.jsonl and skipped when already there, so the
 * benchmark resumes after a stop; the report (bench/results/quality.md) is rebuilt from the log
 * after every image. Figures for the first image: one PNG grid per task (the measurement, then
 * each method) and the SPGD run's gradient angles (PNG, the paper's Figure 2).
 *
 *   npm run bench:quality -- --from 2 --limit 3 --size 256
 *   npm run bench:quality -- --report-only
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readImage, writeArray } from '../bin/cli/files';
import { openPrior } from '../bin/cli/prior';
import { TASKS, type TaskName } from '../lib/operators/types';
import { bicubicUpsample } from '../lib/operators/kernels/bicubic';
import { isMethod, type Method } from '../lib/samplers';
import { angleChartSvg, gridPng, writeSvgAsPng } from './support/figures';
import { formatCell, pickImages, RunLog, summarize, type RunKey, type RunRecord, type Summary } from './support/runs';

const { values: f } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/cbsd68-256' },
    from: { type: 'string', default: '0' },
    limit: { type: 'string', default: '4' },
    size: { type: 'string', default: '256' },
    tasks: { type: 'string', default: 'all' },
    methods: { type: 'string', default: 'spgd,dps-ddim,dps,diffpir,ddim,classical' },
    prior: { type: 'string', default: 'default' },
    out: { type: 'string', default: 'bench/results' },
    'report-only': { type: 'boolean', default: false },
  },
});

const SIGMA_Y = 0.05;
const DIFFUSION: Method[] = ['spgd', 'dps-ddim', 'dps', 'diffpir', 'ddim'];
const tasks = (f.tasks === 'all' ? TASKS : f.tasks.split(',')) as TaskName[];
const methods: Method[] = f.methods.split(',');
for (const m of methods) if (!isMethod(m)) throw new Error(`unknown method ${m}`);
const size = Number(f.size);
const from = Number(f.from);
const files = pickImages(f.data, from, Number(f.limit));
const cacheDir = join('bench', '.cache', 'quality');
const log = new RunLog(join(f.out, 'quality-runs.jsonl'), f.data);

/** Unconditional DDIM ignores the measurement, so one run per image serves every task. */
const keyFor = (image: string, task: TaskName, method: Method): RunKey => ({
  image,
  size,
  seed: from + files.indexOf(image),
  task: method === 'ddim' ? 'inpaint-random' : task,
  method,
  prior: f.prior,
  params: {},
});

/** The cached PNG of a method's sample, or of the measurement (method 'measurement'). */
const samplePath = (task: TaskName, method: Method) => join(cacheDir, `${size}-${task}-${method}.png`);

async function runAll() {
  const prior = await openPrior(f.prior);
  mkdirSync(cacheDir, { recursive: true });
  for (const [k, image] of files.entries()) {
    for (const task of tasks) {
      for (const method of methods) {
        const key = keyFor(image, task, method);
        const { record, outcome } = await log.run(key, prior, SIGMA_Y);
        console.error(`${image} ${task} ${method}: ${formatCell(summarize([record]))}, ${record.seconds.toFixed(1)} s`);
        if (k > 0 || !outcome) continue;
        // Figures come from the first image. The ground truth is left out: the evaluation
        // images are not to be copied into the project.
        writeArray(samplePath(task, 'measurement'), 'out', task === 'sr-x4' ? bicubicUpsample(outcome.measurement) : outcome.measurement);
        writeArray(samplePath(key.task, method), 'out', outcome.sample);
        if (method === 'spgd') {
          const svg = angleChartSvg(`SPGD gradient angles, ${task} (${image}, ${size} px)`, outcome.trace);
          writeSvgAsPng(join(f.out, `quality-angles-${task}.png`), svg);
        }
      }
      const cached = [samplePath(task, 'measurement'), ...methods.map((m) => samplePath(keyFor(image, task, m).task, m))];
      if (k === 0 && cached.every(existsSync)) writeFileSync(join(f.out, `quality-${task}.png`), gridPng(cached.map((p) => readImage(p, 'data'))));
    }
    writeReport();
  }
}

function writeReport() {
  // Only images with every task x method logged count, so all methods see the same images.
  const complete = files.filter((image) => tasks.every((t) => methods.every((m) => log.find(keyFor(image, t, m)))));
  const records = (t: TaskName, m: Method): RunRecord[] => complete.map((image) => log.find(keyFor(image, t, m))!);
  const cell = (t: TaskName, m: Method): Summary | undefined => (complete.length ? summarize(records(t, m)) : undefined);
  const diff = (t: TaskName, a: Method, b: Method) => {
    const x = cell(t, a);
    const y = cell(t, b);
    if (!x || !y || x.failed || y.failed) return '-';
    const sign = (v: number, d: number) => (v >= 0 ? '+' : '') + v.toFixed(d);
    return `${sign(x.psnr - y.psnr, 2)} / ${sign(x.ssim - y.ssim, 3)}`;
  };
  const has = (m: Method) => methods.includes(m);
  const diffusion = DIFFUSION.filter(has);
  const worstDiffusion = (t: TaskName): Method | undefined =>
    diffusion.filter((m) => m !== 'ddim').sort((a, b) => (cell(t, a)?.psnr ?? -Infinity) - (cell(t, b)?.psnr ?? -Infinity))[0];

  const md = [
    '# Quality report (PSNR dB / SSIM)',
    '',
    `${complete.length} image(s) of ${f.data} at ${size}x${size}: ${complete.join(', ') || 'none finished yet'} (images ${from}..${from + files.length - 1} in name order${from >= 2 ? '; the first two, used for tuning, are left out' : ''}). sigma_y ${SIGMA_Y}, image k of the folder uses seed k, same images and seeds for every method; prior ${f.prior}; each method with the engine's per-task defaults (lib/samplers/defaults.ts).`,
    `Machine: ${cpus()[0].model}, ${cpus().length} cores; node ${process.version}; ${new Date().toISOString().slice(0, 10)}. \`npm run bench:quality -- --from ${from} --limit ${f.limit} --size ${size} --methods ${f.methods}\``,
    '',
    `| task | ${methods.join(' | ')} |`,
    `|---|${methods.map(() => '---:').join('|')}|`,
    ...tasks.map((t) => `| ${t} | ${methods.map((m) => formatCell(cell(t, m))).join(' | ')} |`),
    '',
    'Unconditional DDIM ignores the measurement: one run per image is scored for every task.',
    '',
    '## The claim, per task (PSNR dB / SSIM differences; positive = the first wins)',
    '',
    '| task | SPGD - DPS-DDIM (equal NFE) | SPGD - DPS (1000 steps) | weakest guided diffusion method - classical |',
    '|---|---:|---:|---:|',
    ...tasks.map((t) => {
      const worst = worstDiffusion(t);
      return `| ${t} | ${has('dps-ddim') ? diff(t, 'spgd', 'dps-ddim') : '-'} | ${has('dps') ? diff(t, 'spgd', 'dps') : '-'} | ${worst && has('classical') ? `${worst}: ${diff(t, worst, 'classical')}` : '-'} |`;
    }),
    '',
    '## Per image (PSNR dB)',
    '',
    `| image | task | ${methods.join(' | ')} |`,
    `|---|---|${methods.map(() => '---:').join('|')}|`,
    ...complete.flatMap((image) =>
      tasks.map((t) => `| ${image} | ${t} | ${methods.map((m) => { const r = log.find(keyFor(image, t, m))!; return r.failed ? 'failed' : r.psnr.toFixed(2); }).join(' | ')} |`),
    ),
    '',
    '## Network evaluations and seconds per image',
    '',
    `| method | forwards | VJPs | ${tasks.join(' | ')} |`,
    `|---|---:|---:|${tasks.map(() => '---:').join('|')}|`,
    ...methods.map((m) => {
      const nfe = cell(tasks[0], m)?.nfe;
      return `| ${m} | ${nfe?.forward ?? '-'} | ${nfe?.vjp ?? '-'} | ${tasks.map((t) => cell(t, m)?.seconds.toFixed(1) ?? '-').join(' | ')} |`;
    }),
    '',
    'SPGD and DPS-DDIM run the fused guidance model (one session call gives D, the loss and its gradient: a VJP counts one forward and one VJP); DPS differentiates the noise-prediction network on its own.',
    '',
    `Grids (first image, measurement then ${methods.join(', ')}; the ground truth is in the data folder): ${tasks.map((t) => `[${t}](quality-${t}.png)`).join(', ')}.`,
    has('spgd') ? `Gradient angles of the SPGD run on the first image (Figure 2): ${tasks.map((t) => `[${t}](quality-angles-${t}.png)`).join(', ')}.` : '',
    '',
  ].join('\n');
  writeFileSync(join(f.out, 'quality.md'), md);
  console.log(md);
}

if (f['report-only']) {
  writeReport();
} else {
  runAll().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
