/**
 * What batching K chains buys: SPGD's mean of K = 4 samples with the chains in lockstep (one
 * batched fused-gradient run per warm-up step for all four, `lib/samplers/lockstep.ts`) against
 * the same four chains run one after the other, on the shipped prior, per operator and size.
 * Rounds alternate the two ways (lockstep first in odd rounds), so the box's drifting speed
 * hits both alike; the report gives medians of wall and CPU time (this process's user + system
 * time, which counts the ORT worker threads) and their ratios, batched / one by one.
 *
 *   npm run bench:ensemble                     # 64, 128 px; 5 rounds
 *   npm run bench:ensemble -- --sizes 128,256 --rounds 3 --steps 10
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { OrtEpsModel } from '../lib/backends/ort-node';
import { vpDenoiser } from '../lib/diffusion/vp';
import { createOperator, simulateMeasurement } from '../lib/operators';
import type { TaskName } from '../lib/operators/types';
import { Rng } from '../lib/rng';
import { LOCKSTEP_BATCH_PIXELS, runEnsemble } from '../lib/samplers/ensemble';
import { createSpgd } from '../lib/samplers/spgd';
import type { PriorHandles } from '../lib/samplers/types';
import { median } from './support/stats';

const { values: f } = parseArgs({
  options: {
    sizes: { type: 'string', default: '64,128' },
    tasks: { type: 'string', default: 'inpaint-random,gaussian-blur,sr-x4' },
    chains: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '5' },
    steps: { type: 'string', default: '6' },
    'max-batch': { type: 'string' },
    out: { type: 'string', default: 'bench/results/ensemble.md' },
  },
});
const sizes = f.sizes.split(',').map(Number);
const tasks = f.tasks.split(',') as TaskName[];
const K = Number(f.chains);
const rounds = Number(f.rounds);
const steps = Number(f.steps);
/** ORT intra-op threads (the session default here: one per core). */
const THREADS = cpus().length;

async function timed(fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

const model = await OrtEpsModel.create(new Uint8Array(readFileSync('public/models/spgd-prior-v1.onnx')), { name: 'spgd-prior-v1' });
const prior: PriorHandles = { eps: model, denoiser: vpDenoiser(model) };
const create = (p: PriorHandles | null) => createSpgd(p!.denoiser, { steps, warmup: 5, eta: 0.5 });

interface Row {
  size: number;
  task: TaskName;
  maxBatch: number;
  batched: { wall: number; cpu: number };
  apart: { wall: number; cpu: number };
  calls: number;
}
const rows: Row[] = [];
for (const size of sizes) {
  for (const task of tasks) {
    const shape = [3, size, size];
    const op = createOperator(task, shape, {}, new Rng(1, 'operator'));
    const truth = { shape, data: new Rng(2, 'image').normals(3 * size * size).map((v) => 0.5 * Math.tanh(v)) };
    const y = simulateMeasurement(op, truth, 0.05, new Rng(3, 'measurement'));
    const ctx = { operator: op, measurement: y };
    const maxBatch = f['max-batch'] ? Number(f['max-batch']) : Math.max(1, Math.floor(LOCKSTEP_BATCH_PIXELS / (size * size)));
    const run = (lockstep: boolean) => runEnsemble(create, prior, ctx, 7, K, { lockstep, maxBatch });
    // Warm-up: compile and load the single and the batched fused models.
    await run(false);
    await run(true);
    const batched: { wall: number; cpu: number }[] = [];
    const apart: { wall: number; cpu: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        batched.push(await timed(() => run(true)));
        apart.push(await timed(() => run(false)));
      } else {
        apart.push(await timed(() => run(false)));
        batched.push(await timed(() => run(true)));
      }
    }
    const row: Row = {
      size,
      task,
      maxBatch,
      batched: { wall: median(batched.map((x) => x.wall)), cpu: median(batched.map((x) => x.cpu)) },
      apart: { wall: median(apart.map((x) => x.wall)), cpu: median(apart.map((x) => x.cpu)) },
      calls: steps * 5,
    };
    rows.push(row);
    console.log(
      `${size} px ${task}: batched ${row.batched.wall.toFixed(2)} s wall / ${row.batched.cpu.toFixed(2)} s CPU, one by one ${row.apart.wall.toFixed(2)} / ${row.apart.cpu.toFixed(2)}; ratio ${(row.batched.wall / row.apart.wall).toFixed(2)} wall, ${(row.batched.cpu / row.apart.cpu).toFixed(2)} CPU`,
    );
  }
}
await model.release();

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const lines = [
  `# Mean of K = ${K} samples: chains in lockstep (batched) vs one after the other`,
  '',
  `- date ${new Date().toISOString()}; machine: ${cpu}, ${cpus().length} cores; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ')} at the end (the box is shared); node ${process.version}, onnxruntime-node CPU EP, ${THREADS} intra-op threads`,
  `- SPGD on the shipped prior (spgd-prior-v1), ${steps} steps x N = 5 warm-up gradients per chain (${steps * 5} fused-gradient runs per chain), random image, seed 7; medians of ${rounds} alternating rounds after one warm-up run of each way`,
  `- batched: one fused run per warm-up step for up to \`maxBatch\` chains (default LOCKSTEP_BATCH_PIXELS / (H x W) = ${LOCKSTEP_BATCH_PIXELS} / pixels); one by one: K x ${steps * 5} single-image runs`,
  `- \`npm run bench:ensemble -- --sizes ${f.sizes} --tasks ${f.tasks} --rounds ${rounds} --steps ${steps}${f['max-batch'] ? ` --max-batch ${f['max-batch']}` : ''}\``,
  '',
  '| size | operator | maxBatch | batched wall (s) | one by one wall (s) | **wall ratio** | batched CPU (s) | one by one CPU (s) | **CPU ratio** | wall ratio at equal CPU, both cores busy |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.size}x${r.size} | ${r.task} | ${r.maxBatch} | ${r.batched.wall.toFixed(2)} | ${r.apart.wall.toFixed(2)} | **${(r.batched.wall / r.apart.wall).toFixed(2)}** | ${r.batched.cpu.toFixed(2)} | ${r.apart.cpu.toFixed(2)} | **${(r.batched.cpu / r.apart.cpu).toFixed(2)}** | ${(r.apart.cpu / THREADS / r.apart.wall).toFixed(2)} |`,
  ),
  '',
  'The last column is the most a batch can save when it does the same CPU work as the single runs: their CPU time spread over both',
  'threads with no idle time, over their wall time. A batch saves wall time by keeping the threads busy (small images leave them',
  'idle between thin layers) and CPU time by paying the per-call and per-layer overheads once; once the single runs keep both',
  'cores busy and the convolutions dominate, the ceiling is close to 1 and a batch can only lose (larger buffers, more cache misses).',
  '',
  'Target (issue: K = 4 batched <= 0.8 x four single-chain runs at 128 px): ' +
    rows
      .filter((r) => r.size === 128)
      .map((r) => `${r.task} ${(r.batched.wall / r.apart.wall).toFixed(2)} wall`)
      .join(', '),
  '',
];
writeFileSync(f.out, lines.join('\n'));
console.log(`wrote ${f.out}`);
