/**
 * SPGD ablations (the paper's Tables 2-4): warm-up and ADM on/off, the number of warm-up steps
 * N at T = 100, the ADM base momentum beta, and ADM as written in the paper (the momentum is
 * applied) vs the authors' released code (momentum computed, raw gradient applied). Every
 * other parameter is the engine's per-task default. Runs are logged to
 * bench/results/ablation-runs.jsonl (resumable, see support/runs.ts); the report is
 * bench/results/ablation.md.
 *
 *   npm run bench:ablation -- --tasks inpaint-random,gaussian-blur --from 2 --limit 1 --size 128
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openPrior } from '../bin/cli/prior';
import { TASKS, type TaskName } from '../lib/operators/types';
import { formatCell, pickImages, RunLog, summarize, type RunKey } from './support/runs';

const { values: f } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/cbsd68-256' },
    from: { type: 'string', default: '2' },
    limit: { type: 'string', default: '1' },
    size: { type: 'string', default: '128' },
    tasks: { type: 'string', default: 'inpaint-random,gaussian-blur' },
    prior: { type: 'string', default: 'default' },
    out: { type: 'string', default: 'bench/results' },
    'report-only': { type: 'boolean', default: false },
  },
});

const SIGMA_Y = 0.05;

/** One row of one table: a label and the sampler overrides it runs with. */
interface Row {
  label: string;
  params: Record<string, unknown>;
}

const TABLES: { title: string; note?: string; rows: Row[] }[] = [
  {
    title: 'Warm-up and ADM (Table 2)',
    note: 'Warm-up off = N = 1; ADM off = admApplied false. With N = 1 the momentum restarts at every outer step (m = g_0), so ADM cannot act: the first two rows must agree.',
    rows: [
      { label: 'warm-up off, ADM off', params: { warmup: 1, admApplied: false } },
      { label: 'warm-up off, ADM on', params: { warmup: 1 } },
      { label: 'warm-up on (N = 5), ADM off', params: { admApplied: false } },
      { label: 'warm-up on (N = 5), ADM on (default)', params: {} },
    ],
  },
  {
    title: 'Warm-up steps N at T = 100 (Table 3)',
    rows: [1, 2, 5, 10, 20].map((n) => ({ label: `N = ${n}`, params: n === 5 ? {} : { warmup: n } })),
  },
  {
    title: 'ADM base momentum beta, N = 5 (Table 4)',
    rows: [0.8, 0.9, 0.95, 0.99, 1.0].map((b) => ({ label: `beta = ${b}`, params: b === 0.9 ? {} : { beta: b } })),
  },
  {
    title: 'ADM as in the paper vs the released code',
    note: 'The released code computes the ADM momentum but steps with the raw gradient, which is the same update as ADM off.',
    rows: [
      { label: 'paper (momentum applied, default)', params: {} },
      { label: 'released code (raw gradient applied)', params: { admApplied: false } },
    ],
  },
];

const tasks = (f.tasks === 'all' ? TASKS : f.tasks.split(',')) as TaskName[];
const size = Number(f.size);
const from = Number(f.from);
const files = pickImages(f.data, from, Number(f.limit));
const log = new RunLog(join(f.out, 'ablation-runs.jsonl'), f.data);
const keyFor = (image: string, task: TaskName, params: Record<string, unknown>): RunKey => ({
  image,
  size,
  seed: from + files.indexOf(image),
  task,
  method: 'spgd',
  prior: f.prior,
  params,
});

async function runAll() {
  const prior = await openPrior(f.prior);
  const unique = new Map(TABLES.flatMap((t) => t.rows).map((r) => [JSON.stringify(r.params), r]));
  for (const image of files) {
    for (const task of tasks) {
      for (const row of unique.values()) {
        const { record } = await log.run(keyFor(image, task, row.params), prior, SIGMA_Y);
        console.error(`${image} ${task} ${row.label}: ${formatCell(summarize([record]))}, ${record.seconds.toFixed(1)} s`);
      }
      writeReport();
    }
  }
}

function writeReport() {
  const cell = (task: TaskName, params: Record<string, unknown>) => {
    const records = files.map((image) => log.find(keyFor(image, task, params)));
    return records.every((r) => r) ? summarize(records.map((r) => r!)) : undefined;
  };
  const md = [
    '# SPGD ablations (PSNR dB / SSIM)',
    '',
    `${files.length} image(s) of ${f.data} (${files.join(', ')}) at ${size}x${size}, sigma_y ${SIGMA_Y}, image k of the folder uses seed k; prior ${f.prior}; T = 100 and each task's default eta (lib/samplers/defaults.ts) unless the row says otherwise.`,
    `Machine: ${cpus()[0].model}, ${cpus().length} cores; node ${process.version}; ${new Date().toISOString().slice(0, 10)}. \`npm run bench:ablation -- --tasks ${f.tasks} --from ${from} --limit ${f.limit} --size ${size}\``,
    '',
    ...TABLES.flatMap((table) => [
      `## ${table.title}`,
      '',
      ...(table.note ? [table.note, ''] : []),
      `| setting | forwards | ${tasks.join(' | ')} | seconds per image |`,
      `|---|---:|${tasks.map(() => '---:').join('|')}|---:|`,
      ...table.rows.map((row) => {
        const cells = tasks.map((t) => cell(t, row.params));
        const done = cells.filter((c) => c && !c.failed);
        const seconds = done.length ? (done.reduce((s, c) => s + c!.seconds, 0) / done.length).toFixed(1) : '-';
        return `| ${row.label} | ${done[0]?.nfe.forward ?? '-'} | ${cells.map(formatCell).join(' | ')} | ${seconds} |`;
      }),
      '',
    ]),
  ].join('\n');
  writeFileSync(join(f.out, 'ablation.md'), md);
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
