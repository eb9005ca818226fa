/**
 * Quality report (the paper's Table 1 protocol, plus the posterior-mean configurations): every
 * task x column on images `from`..`from + limit - 1` of a folder (name order), sigma_y 0.05,
 * fixed seeds (image k of the folder uses seed k), each column a method with the engine's
 * per-task defaults or a fixed variation of them (COLUMNS below).
 *
 * Runs are logged to bench/results/quality-runs.jsonl and skipped when already there, so the
 * benchmark resumes after a stop; the report (bench/results/quality.md) is rebuilt from the log
 * after every image. A column of K > 1 samples logs each chain's metrics too, so "SPGD + warm
 * start (per sample)" is chain 0 of the preset configuration's runs, not a run of its own.
 * Figures for one image (`--figure`, default the last): one PNG grid per task (the measurement,
 * each column's result, then the uncertainty maps of the K-sample columns on the heat scale) and
 * the SPGD run's gradient angles (the paper's Figure 2).
 *
 *   npm run bench:quality -- --from 2 --limit 10 --size 128
 *   npm run bench:quality -- --columns preset,ddnm --tasks sr-x4 --no-figures   # a part of it
 *   npm run bench:quality -- --report-only
 *   npm run bench:quality -- --report-only --partial ddnm,daps,dps   # those on the images they finished
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readArray, writeArray } from '../bin/cli/files';
import { openPrior, type CliPrior } from '../bin/cli/prior';
import type { TaskName } from '../lib/operators/types';
import { bicubicUpsample } from '../lib/operators/kernels/bicubic';
import { heatColor } from '../lib/plan/heat';
import { methodConfig, samplerCost, samplerOfMethod } from '../lib/samplers';
import type { Tensor } from '../lib/tensor';
import { restoreImage, type RestorationOutcome } from '../nodes/recipes';
import { angleChartSvg, gridPng, writeSvgAsPng } from './support/figures';
import { BENCHMARK_TASKS, formatCell, initKey, pickImages, recipeOf, RunLog, summarize, type RunKey, type RunRecord, type Summary } from './support/runs';

const { values: f } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/cbsd68-256' },
    from: { type: 'string', default: '2' },
    limit: { type: 'string', default: '10' },
    size: { type: 'string', default: '128' },
    tasks: { type: 'string', default: 'all' },
    columns: { type: 'string', default: 'all' },
    figure: { type: 'string' },
    'no-figures': { type: 'boolean', default: false },
    prior: { type: 'string', default: 'default' },
    out: { type: 'string', default: 'bench/results' },
    'report-only': { type: 'boolean', default: false },
    /** Columns the report may show on fewer images than the others (marked with their image count). */
    partial: { type: 'string', default: '' },
  },
});

const SIGMA_Y = 0.05;

/** One column of the report: a method, overrides of its defaults, and which number it shows. */
interface Column {
  id: string;
  label: string;
  method: string;
  /** Overrides of the method's per-task defaults ({} = the defaults). */
  params: Record<string, unknown>;
  /** Key the log by the resolved parameters that differ from the sampler's schema defaults (so a retuned default is a new run). */
  resolved?: boolean;
  /** 'chain0': chain 0 of a K-sample run (the single sample of the same seed) instead of the mean. */
  pick?: 'chain0';
  /** A warm-started column's initial estimate: this method's restoration (with its defaults) instead of the classical one. */
  init?: string;
}

const COLUMNS: Column[] = [
  { id: 'spgd', label: 'SPGD (per sample, paper protocol)', method: 'spgd', params: {} },
  { id: 'spgd-k4', label: 'SPGD mean of 4', method: 'spgd', params: { samples: 4 } },
  { id: 'spgd-warm', label: 'SPGD + warm start (per sample)', method: 'spgd-mean', params: {}, resolved: true, pick: 'chain0' },
  { id: 'preset', label: 'preset: SPGD + warm start (from DDNM+ on the blurs and SR, from the classical estimate on inpainting) + mean of 4', method: 'spgd-mean', params: {}, resolved: true },
  { id: 'spgd-ddnm', label: 'SPGD + warm start from DDNM+ + mean of 4', method: 'spgd-mean', params: {}, resolved: true, init: 'ddnm' },
  { id: 'ddnm', label: 'DDNM+', method: 'ddnm', params: {}, resolved: true },
  { id: 'daps', label: 'DAPS', method: 'daps', params: {}, resolved: true },
  { id: 'diffpir', label: 'DiffPIR', method: 'diffpir', params: {} },
  { id: 'dps-ddim', label: 'DPS-DDIM', method: 'dps-ddim', params: {} },
  { id: 'dps', label: 'DPS', method: 'dps', params: {} },
  { id: 'classical', label: 'classical', method: 'classical', params: {} },
];

const tasks = (f.tasks === 'all' ? BENCHMARK_TASKS : f.tasks.split(',')) as TaskName[];
const columns = f.columns === 'all' ? COLUMNS : f.columns.split(',').map((id) => COLUMNS.find((c) => c.id === id) ?? fail(`unknown column ${id}`));
const size = Number(f.size);
const from = Number(f.from);
const files = pickImages(f.data, from, Number(f.limit));
const figureImage = f.figure ?? files[files.length - 1];
const cacheDir = join('bench', '.cache', 'quality');
const log = new RunLog(join(f.out, 'quality-runs.jsonl'), f.data);

function fail(message: string): never {
  throw new Error(message);
}

/** The parameters a column runs with for a task, as logged. */
function paramsOf(c: Column, task: TaskName): Record<string, unknown> {
  if (!c.resolved) return c.params;
  const sampler = samplerOfMethod(c.method);
  const full = methodConfig(c.method, task, { sigmaY: SIGMA_Y }, c.params).params;
  const defaults: Record<string, unknown> = sampler.params.parse({});
  return Object.fromEntries(Object.entries(full).filter(([k, v]) => v !== defaults[k] && k !== 'sigmaY'));
}

/** What a column starts from on a task (RunKey `init`). */
const initOf = (c: Column, task: TaskName) => initKey(c.method, task, c.params, SIGMA_Y, c.init);

const keyFor = (image: string, task: TaskName, c: Column): RunKey => ({
  image,
  size,
  seed: from + files.indexOf(image),
  task,
  method: c.method,
  prior: f.prior,
  params: paramsOf(c, task),
  ...initOf(c, task),
});

/**
 * One column per distinct run (a column picking chain 0 reads its sibling's runs): the one that
 * shows the run's own result, so a grid's tile is named after what it shows (the mean, not chain 0).
 */
const runColumns = (): Column[] => {
  const runOf = (c: Column) => JSON.stringify([c.method, c.params, c.init]);
  return columns.filter((c) => {
    const same = columns.filter((d) => runOf(d) === runOf(c));
    return (same.find((d) => !d.pick) ?? same[0]) === c;
  });
};

const cachePath = (task: TaskName, what: string) => join(cacheDir, `${size}-${figureImage}-${task}-${what}.npy`);

function figurePaths(task: TaskName, c: Column) {
  const init = initOf(c, task).init;
  const id = `${c.method}-${JSON.stringify(paramsOf(c, task))}${init ? `-from-${init}` : ''}`.replace(/[^a-z0-9.=-]+/gi, '_');
  return { sample: cachePath(task, id), spread: cachePath(task, `${id}-spread`), y: cachePath(task, 'measurement') };
}

/** Keeps what the figures need of a fresh run on the figure image. */
function cacheFigure(task: TaskName, c: Column, o: RestorationOutcome) {
  mkdirSync(cacheDir, { recursive: true });
  const paths = figurePaths(task, c);
  writeArray(paths.sample, 'out', o.sample);
  writeArray(paths.y, 'out', task === 'sr-x4' ? bicubicUpsample(o.measurement) : o.measurement);
  if (o.uncertainty) writeArray(paths.spread, 'out', o.uncertainty);
  if (c.method === 'spgd' && Object.keys(c.params).length === 0) {
    writeSvgAsPng(join(f.out, `quality-angles-${task}.png`), angleChartSvg(`SPGD gradient angles, ${task} (${figureImage}, ${size} px)`, o.trace));
  }
}

/** The figure image's result (and spread) of one column, cached; rerun (not logged) when the cache is missing. */
async function figureOutputs(prior: CliPrior, task: TaskName, c: Column): Promise<{ sample: Tensor; uncertainty?: Tensor; measurement: Tensor }> {
  const paths = figurePaths(task, c);
  if (!existsSync(paths.sample) || !existsSync(paths.y)) {
    const k = keyFor(figureImage, task, c);
    const o = await restoreImage(
      recipeOf(k, SIGMA_Y, prior.model),
      { groundTruth: log.groundTruth(figureImage, size) },
      prior,
      { captures: 0 },
    );
    cacheFigure(task, c, o);
  }
  return {
    sample: readArray(paths.sample, 'cache'),
    measurement: readArray(paths.y, 'cache'),
    ...(existsSync(paths.spread) ? { uncertainty: readArray(paths.spread, 'cache') } : {}),
  };
}

/** A `[H, W]` map as a `[3, H, W]` picture in [-1, 1] on the heat scale, 0 to `max`. */
function heatImage(map: Tensor, max: number): Tensor {
  const [h, w] = map.shape;
  const out = new Float32Array(3 * h * w);
  for (let p = 0; p < h * w; p++) {
    const rgb = heatColor(max > 0 ? map.data[p] / max : 0);
    for (let c = 0; c < 3; c++) out[c * h * w + p] = (2 * rgb[c]) / 255 - 1;
  }
  return { shape: [3, h, w], data: out };
}

async function figures(prior: CliPrior) {
  mkdirSync(cacheDir, { recursive: true });
  for (const task of tasks) {
    const outs = [];
    for (const c of runColumns()) outs.push({ id: c.id, ...(await figureOutputs(prior, task, c)) });
    const maps = outs.flatMap((o) => (o.uncertainty?.data.some((v) => v > 0) ? [{ id: o.id, map: o.uncertainty }] : []));
    // One scale for all maps of a task, so they compare.
    const max = Math.max(...maps.map((m) => Math.max(...m.map.data)));
    const tiles = [outs[0].measurement, ...outs.map((o) => o.sample), ...maps.map((m) => heatImage(m.map, max))];
    const labels = [task === 'sr-x4' ? 'y (bicubic)' : 'y', ...outs.map((o) => o.id), ...maps.map((m) => `std ${m.id}`)];
    writeFileSync(join(f.out, `quality-${task}.png`), gridPng(tiles, labels));
  }
}

async function runAll() {
  const prior = await openPrior(f.prior);
  for (const image of files) {
    for (const task of tasks) {
      for (const c of runColumns()) {
        const { record, outcome } = await log.run(keyFor(image, task, c), prior, SIGMA_Y);
        if (outcome && image === figureImage) cacheFigure(task, c, outcome);
        console.error(`${image} ${task} ${c.id}: ${formatCell(summarize([record]))}, ${record.seconds.toFixed(1)} s`);
      }
    }
    writeReport();
  }
  if (!f['no-figures']) await figures(prior);
  writeReport();
}

function writeReport() {
  const partial = new Set(f.partial.split(',').filter(Boolean));
  const loggedFor = (image: string, c: Column) => tasks.every((t) => log.find(keyFor(image, t, c)));
  // An image counts when every column but the partial ones has all its tasks logged, so those columns see the same images.
  const complete = files.filter((image) => columns.every((c) => partial.has(c.id) || loggedFor(image, c)));
  /** The images a column is summarised over: the complete ones, or for a partial column those of them it finished. */
  const imagesOf = (c: Column) => (partial.has(c.id) ? complete.filter((image) => loggedFor(image, c)) : complete);
  const records = (t: TaskName, c: Column): RunRecord[] =>
    imagesOf(c)
      .map((image) => log.find(keyFor(image, t, c)))
      .filter((r): r is RunRecord => r !== undefined);
  const cell = (t: TaskName, c: Column): Summary | undefined => {
    if (!imagesOf(c).length) return undefined;
    const s = summarize(records(t, c));
    if (c.pick !== 'chain0' || !s.firstChain) return s;
    // One chain's share of the K-chain run; the initial estimate (run once, shared) counts whole.
    const k = records(t, c)[0]?.chains?.length ?? 1;
    const init = initCost(t, c);
    const share = (all: number, once: number) => (all - once) / k + once;
    return {
      ...s,
      psnr: s.firstChain.psnr,
      ssim: s.firstChain.ssim,
      nfe: { forward: share(s.nfe.forward, init.nfe.forward), vjp: share(s.nfe.vjp, init.nfe.vjp) },
      seconds: share(s.seconds, init.seconds),
    };
  };
  /** A warm-started column's initial estimate: its NFE, and its mean seconds from the log (that method's runs with the same seeds give the same estimate). */
  function initCost(t: TaskName, c: Column): { nfe: { forward: number; vjp: number }; seconds: number } {
    const method = initOf(c, t).init;
    if (!method) return { nfe: { forward: 0, vjp: 0 }, seconds: 0 };
    const own: Column = { id: method, label: method, method, params: {}, resolved: true };
    const runs = imagesOf(c).map((image) => log.find(keyFor(image, t, own))).filter((r): r is RunRecord => r !== undefined);
    const { sampler, params } = methodConfig(method, t, { sigmaY: SIGMA_Y });
    return { nfe: samplerCost(sampler, params).nfe, seconds: runs.length ? summarize(runs).seconds : 0 };
  }
  const shown = (t: TaskName, c: Column) => formatCell(cell(t, c)) + (partial.has(c.id) && imagesOf(c).length < complete.length ? ` (${imagesOf(c).length} img)` : '');
  const col = (id: string) => columns.find((c) => c.id === id);
  const diff = (t: TaskName, a: string, b: string) => {
    const ca = col(a);
    const cb = col(b);
    const x = ca && cell(t, ca);
    const y = cb && cell(t, cb);
    if (!x || !y || x.failed || y.failed) return '-';
    const sign = (v: number, d: number) => (v >= 0 ? '+' : '') + v.toFixed(d);
    return `${sign(x.psnr - y.psnr, 2)} / ${sign(x.ssim - y.ssim, 3)}`;
  };
  const target = (t: TaskName) => {
    const p = col('preset');
    const c = col('classical');
    const x = p && cell(t, p);
    const y = c && cell(t, c);
    if (!x || !y || x.failed || y.failed) return '-';
    return x.psnr >= y.psnr + 0.5 && x.ssim >= y.ssim ? 'met' : 'missed';
  };
  const spread = (id: string, t: TaskName) => {
    const c = col(id);
    const s = c && cell(t, c);
    return s?.uncertaintyRank === undefined ? '-' : s.uncertaintyRank.toFixed(2);
  };
  // The gain of averaging: a K-sample column's mean over its own chain 0 (the cold SPGD one when it ran, else the preset's).
  const meanOf = col('spgd-k4') ?? col('preset');
  const meanGain = (t: TaskName) => {
    const s = meanOf && cell(t, meanOf);
    return s?.firstChain ? `${(s.psnr - s.firstChain.psnr).toFixed(2)} dB` : '-';
  };
  const kColumns = columns.filter((c) => c.pick !== 'chain0' && (paramsOf(c, 'inpaint-random').samples ?? 1) !== 1);

  const md = [
    '# Quality report (PSNR dB / SSIM)',
    '',
    `${complete.length} image(s) of ${f.data} at ${size}x${size}: ${complete.join(', ') || 'none finished yet'} (images ${from}..${from + files.length - 1} in name order${from >= 2 ? '; the first two, used for tuning, are left out' : ''}). sigma_y ${SIGMA_Y}, image k of the folder uses seed k, same images and seeds for every column; prior ${f.prior}.`,
    `Machine: ${cpus()[0].model}, ${cpus().length} cores (shared with other work: seconds are indicative only); node ${process.version}; ${new Date().toISOString().slice(0, 10)}. \`npm run bench:quality -- --from ${from} --limit ${f.limit} --size ${size}${f.columns === 'all' ? '' : ` --columns ${f.columns}`}${f.partial ? ` --partial ${f.partial}` : ''}\``,
    '',
    'Columns: ' + columns.map((c) => `**${c.id}** ${c.label} (\`--method ${c.method}\`${Object.keys(c.params).length ? ` ${Object.entries(c.params).map(([k, v]) => `--set ${k}=${String(v)}`).join(' ')}` : ''}${c.pick === 'chain0' ? ', chain 0 of its runs' : ''})`).join('; ') + '.',
    '',
    `| task | ${columns.map((c) => c.id).join(' | ')} |`,
    `|---|${columns.map(() => '---:').join('|')}|`,
    ...tasks.map((t) => `| ${t} | ${columns.map((c) => shown(t, c)).join(' | ')} |`),
    '',
    ...columns
      .filter((c) => partial.has(c.id) && imagesOf(c).length < complete.length)
      .map((c) => `**${c.id}** ran on ${imagesOf(c).length} of the ${complete.length} images (${imagesOf(c).join(', ') || 'none'}): its means are over those only, so compare it with the other columns in the per-image table.\n`),
    '## Targets, per task (PSNR dB / SSIM differences; positive = the first wins)',
    '',
    `| task | preset - classical | target (>= +0.5 dB and >= SSIM) | SPGD - DPS-DDIM (per sample, equal NFE) | preset - SPGD (per sample) | mean of 4 - its chain 0 (${meanOf?.id ?? '-'}) | DiffPIR - classical | DDNM+ - classical |`,
    '|---|---:|---|---:|---:|---:|---:|---:|',
    ...tasks.map((t) => `| ${t} | ${diff(t, 'preset', 'classical')} | ${target(t)} | ${diff(t, 'spgd', 'dps-ddim')} | ${diff(t, 'preset', 'spgd')} | ${meanGain(t)} | ${diff(t, 'diffpir', 'classical')} | ${diff(t, 'ddnm', 'classical')} |`),
    '',
    '## Does the uncertainty map know where the error is?',
    '',
    'Spearman rank correlation, per image, between the per-pixel std over the K samples and the per-pixel absolute error of their mean (averaged over the channels), then averaged over the images. 0: no relation; 1: the pixels with the largest spread are exactly the worst ones.',
    '',
    `| task | ${kColumns.map((c) => c.id).join(' | ')} |`,
    `|---|${kColumns.map(() => '---:').join('|')}|`,
    ...tasks.map((t) => `| ${t} | ${kColumns.map((c) => spread(c.id, t)).join(' | ')} |`),
    '',
    '## Per image (PSNR dB)',
    '',
    `| image | task | ${columns.map((c) => c.id).join(' | ')} |`,
    `|---|---|${columns.map(() => '---:').join('|')}|`,
    ...complete.flatMap((image) =>
      tasks.map((t) => {
        const cells = columns.map((c) => {
          const r = log.find(keyFor(image, t, c));
          if (!r) return '-';
          if (r.failed) return 'failed';
          return (c.pick === 'chain0' ? (r.chains?.[0].psnr ?? NaN) : r.psnr).toFixed(2);
        });
        return `| ${image} | ${t} | ${cells.join(' | ')} |`;
      }),
    ),
    '',
    '## Network evaluations and seconds per image',
    '',
    'Each cell: seconds, then forwards + VJPs (a warm start counts its initial estimate\'s, e.g. DDNM+\'s 100 forwards).',
    '',
    `| column | ${tasks.join(' | ')} |`,
    `|---|${tasks.map(() => '---:').join('|')}|`,
    ...columns.map((c) => {
      const shown = (t: TaskName) => {
        const s = cell(t, c);
        return s ? `${s.seconds.toFixed(1)} s (${s.nfe.forward} + ${s.nfe.vjp})` : '-';
      };
      return `| ${c.id} | ${tasks.map(shown).join(' | ')} |`;
    }),
    '',
    'SPGD and DPS-DDIM run the fused guidance model (one session call gives D, the loss and its gradient: a VJP counts one forward and one VJP); DPS differentiates the noise-prediction network on its own; DiffPIR, DDNM+ and DAPS make forward calls only (DAPS adds Langevin steps that apply the operator). A warm start runs only the steps below sigma_start, so its NFE is a fraction of the cold run\'s. The per-sample warm-start column shows one chain\'s share of its K = 4 run\'s cost, plus the whole of the initial estimate the chains share.',
    '',
    ...(f['report-only'] || f['no-figures'] ? ['The grids and angle charts linked below were not remade with this table (`--report-only` / `--no-figures`): they are those of the last run that made figures, possibly on another image and fewer columns.', ''] : []),
    `Grids (${figureImage}; each tile captioned with its column: the measurement y, then ${runColumns().map((c) => c.id).join(', ')}, then the uncertainty maps of the K-sample columns on one heat scale per task, black 0 to pale yellow at the largest std; the ground truth is in the data folder): ${tasks.map((t) => `[${t}](quality-${t}.png)`).join(', ')}.`,
    `Gradient angles of the SPGD run on ${figureImage} (Figure 2): ${tasks.map((t) => `[${t}](quality-angles-${t}.png)`).join(', ')}.`,
    '',
  ].join('\n');
  writeFileSync(join(f.out, 'quality.md'), md);
}

if (f['report-only']) {
  writeReport();
} else {
  runAll().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
