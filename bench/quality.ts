/**
 * Quality report (the paper's Table 1 protocol): every task x method on the first n images of
 * a folder, sigma_y 0.05, fixed seeds (image k uses seed k). Writes bench/results/quality.md
 * (mean PSNR / SSIM, NFE, seconds per image), one PNG grid per task (the measurement, then each
 * method) and the SPGD run's gradient angles per task (SVG).
 *
 *   npm run bench:quality -- --limit 4 --size 256 --methods spgd,dps-ddim,diffpir,ddim,classical
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readImage } from '../bin/cli/files';
import { loadPrior } from '../bin/cli/prior';
import { encodePng } from '../lib/image/codec';
import { tensorToImage } from '../lib/image/convert';
import { TASKS, type TaskName } from '../lib/operators/types';
import { restore } from '../lib/pipeline/restore';
import { bicubicUpsample } from '../lib/samplers/classical';
import { isMethod, type Method, type StepTrace } from '../lib/samplers';
import { lineChartSvg } from '../lib/diagnostics/svg-chart';
import type { Tensor } from '../lib/tensor';

const { values: f } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/cbsd68-256' },
    limit: { type: 'string', default: '4' },
    size: { type: 'string', default: '256' },
    tasks: { type: 'string', default: 'all' },
    methods: { type: 'string', default: 'spgd,dps-ddim,diffpir,ddim,classical' },
    prior: { type: 'string', default: 'default' },
    out: { type: 'string', default: 'bench/results' },
  },
});

interface Cell {
  psnr: number;
  ssim: number;
  nfe: number;
  seconds: number;
  failed?: string;
}

/** Images side by side in one RGB PNG (all [3, H, W], same size). */
function grid(images: Tensor[]): Uint8Array {
  const [, h, w] = images[0].shape;
  const gap = 4;
  const W = images.length * (w + gap) - gap;
  const data = new Uint8Array(W * h * 3).fill(255);
  images.forEach((t, k) => {
    const img = tensorToImage(t);
    for (let y = 0; y < h; y++) data.set(img.data.subarray(y * w * 3, (y + 1) * w * 3), (y * W + k * (w + gap)) * 3);
  });
  return encodePng({ width: W, height: h, data });
}

/** The paper's Figure 2 for one run: conflict, fluctuation (raw and after ADM) and prior stability per step. */
function angleChart(task: string, trace: StepTrace[]): string {
  const pick = (key: 'conflict' | 'fluctuationRaw' | 'fluctuationAdm' | 'priorStability') => trace.map((t) => t[key]);
  return lineChartSvg(
    trace.map((t) => t.step),
    [
      { name: 'conflict', color: '#d62728', values: pick('conflict') },
      { name: 'fluctuation (raw)', color: '#1f77b4', values: pick('fluctuationRaw') },
      { name: 'fluctuation (ADM)', color: '#17becf', values: pick('fluctuationAdm') },
      { name: 'prior stability', color: '#2ca02c', values: pick('priorStability') },
    ],
    { title: `SPGD gradient angles, ${task} (first image)`, xLabel: 'outer step', yLabel: 'degrees', yMin: 0, yMax: 180 },
  );
}

async function main() {
  const tasks = (f.tasks === 'all' ? TASKS : f.tasks!.split(',')) as TaskName[];
  const methods = f.methods!.split(',') as Method[];
  for (const m of methods) if (!isMethod(m)) throw new Error(`unknown method ${m}`);
  const files = readdirSync(f.data!).filter((n) => /\.png$/i.test(n)).sort().slice(0, Number(f.limit));
  const size = Number(f.size);
  const images = files.map((n) => readImage(join(f.data!, n), 'data', size));
  const prior = await loadPrior(f.prior);
  mkdirSync(f.out!, { recursive: true });

  const table: Record<string, Record<string, Cell>> = {};
  for (const task of tasks) {
    table[task] = {};
    const firstRow: Tensor[] = [];
    for (const method of methods) {
      const cell: Cell = { psnr: 0, ssim: 0, nfe: 0, seconds: 0 };
      for (const [k, gt] of images.entries()) {
        try {
          const o = await restore({ task, method, prior, seed: k, sigmaY: 0.05, groundTruth: gt });
          cell.psnr += o.psnr! / images.length;
          cell.ssim += o.ssim! / images.length;
          cell.nfe = o.result.nfe.forward;
          cell.seconds += o.result.seconds / images.length;
          if (k === 0 && method === 'spgd') writeFileSync(join(f.out!, `quality-angles-${task}.svg`), angleChart(task, o.result.trace));
          if (k === 0) {
            // The measurement is shown at the image's size (upsampled for sr-x4). The ground truth
            // is left out: the evaluation images are not to be copied into the project.
            if (firstRow.length === 0) firstRow.push(task === 'sr-x4' ? bicubicUpsample(o.measurement) : o.measurement);
            firstRow.push(o.result.sample);
          }
        } catch (e) {
          cell.failed = (e as Error).message.split('\n')[0];
          break;
        }
      }
      table[task][method] = cell;
      console.error(`${task} ${method}: ${cell.failed ?? `${cell.psnr.toFixed(2)} dB / ${cell.ssim.toFixed(3)}, ${cell.seconds.toFixed(1)} s per image`}`);
    }
    if (firstRow.length > 1) writeFileSync(join(f.out!, `quality-${task}.png`), grid(firstRow));
  }

  const fmt = (c: Cell) => (c.failed ? c.failed : `${c.psnr.toFixed(2)} / ${c.ssim.toFixed(3)}`);
  const md = [
    '# Quality report (PSNR dB / SSIM)',
    '',
    `${images.length} images of ${f.data} (${files.join(', ')}), ${size}x${size}, sigma_y 0.05, image k uses seed k; prior ${f.prior}; each method with the engine's per-task defaults.`,
    `Machine: ${cpus()[0].model}, ${cpus().length} cores; node ${process.version}; ${new Date().toISOString().slice(0, 10)}. \`npm run bench:quality -- --limit ${f.limit} --size ${f.size} --methods ${f.methods}\``,
    '',
    `| task | ${methods.join(' | ')} |`,
    `|---|${methods.map(() => '---:').join('|')}|`,
    ...tasks.map((t) => `| ${t} | ${methods.map((m) => fmt(table[t][m])).join(' | ')} |`),
    '',
    '## Network evaluations and seconds per image',
    '',
    `| method | NFE (forwards) | ${tasks.join(' | ')} |`,
    `|---|---:|${tasks.map(() => '---:').join('|')}|`,
    ...methods.map((m) => `| ${m} | ${table[tasks[0]][m].nfe} | ${tasks.map((t) => table[t][m].seconds.toFixed(1)).join(' | ')} |`),
    '',
    `Grids: ${tasks.map((t) => `[${t}](quality-${t}.png)`).join(', ')} (measurement, then ${methods.join(', ')}; first image; the ground truth is in the data folder).`,
    methods.includes('spgd') ? `Gradient angles of the SPGD run on the first image: ${tasks.map((t) => `[${t}](quality-angles-${t}.svg)`).join(', ')}.` : '',
    '',
  ].join('\n');
  writeFileSync(join(f.out!, 'quality.md'), md);
  console.log(md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
