/**
 * Operator timings at 3x256x256: forward (A x) and adjoint (A^T y) for every task, plus the
 * implementation variants the blurs can use. Warm-up, then the median of RUNS timed calls.
 *
 *   npx tsx bench/operators.bench.ts        (writes bench/results/operators.md)
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Rng } from '../lib/rng';
import { tensor, type Tensor } from '../lib/tensor';
import { blurOperator } from '../lib/operators/blur2d';
import { gaussianKernel2d } from '../lib/operators/gen/gaussian-kernel';
import { motionKernel } from '../lib/operators/gen/motion-kernel';
import { createOperator, TASKS, type LinearOperator } from '../lib/operators/index';
import { median } from './support/stats';

const SHAPE = [3, 256, 256];
const WARMUP = 8;
const RUNS = 25;

function time(f: () => unknown): { median: number; min: number } {
  for (let i = 0; i < WARMUP; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  return { median: median(ts), min: Math.min(...ts) };
}

interface Row {
  name: string;
  impl: string;
  fwd: { median: number; min: number };
  adj: { median: number; min: number };
  prox?: { median: number; min: number };
}

function measure(name: string, op: LinearOperator, impl: string, withProx = false): Row {
  const rng = new Rng(1, 'bench');
  const x: Tensor = { shape: [...op.inShape], data: rng.normals(op.inShape.reduce((a, b) => a * b, 1)) };
  const y: Tensor = { shape: [...op.outShape], data: rng.normals(op.outShape.reduce((a, b) => a * b, 1)) };
  const row: Row = { name, impl, fwd: time(() => op.forward(x)), adj: time(() => op.adjoint(y)) };
  if (withProx && op.proxL2) row.prox = time(() => op.proxL2!(x, y, 0.1));
  return row;
}

const ms = (v: number) => v.toFixed(2);

function main(): void {
  const rows: Row[] = [];
  for (const task of TASKS) {
    const op = createOperator(task, SHAPE, {}, new Rng(0, 'operator'));
    const impl = (op as { impl?: string }).impl ?? (task === 'sr-x4' ? 'banded 16-tap' : 'mask');
    rows.push(measure(task, op, impl, true));
  }
  const variants: Row[] = [
    measure(
      'gaussian-blur',
      blurOperator('gaussian-blur', SHAPE, tensor([61, 61], gaussianKernel2d(61, 3)), { forceFft: true }),
      'fft (mixed radix), forced',
    ),
    measure(
      'motion-blur',
      blurOperator('motion-blur', SHAPE, tensor([61, 61], motionKernel(new Rng(0, 'operator'))), { pow2Only: true }),
      'fft (powers of two only)',
    ),
  ];

  const cpu = os.cpus();
  const header = [
    `# Operator benchmark (${SHAPE.join('x')})`,
    '',
    `- machine: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores (${os.platform()} ${os.arch()})`,
    `- node ${process.version}, date ${new Date().toISOString()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')} (1/5/15 min)`,
    `- median (min) of ${RUNS} runs after ${WARMUP} warm-up calls, milliseconds; \`npx tsx bench/operators.bench.ts\``,
    '',
  ];
  const table = (rs: Row[], prox: boolean) => [
    `| task | implementation | forward | adjoint | forward + adjoint |${prox ? ' proxL2 (closed form) |' : ''}`,
    `|---|---|---:|---:|---:|${prox ? '---:|' : ''}`,
    ...rs.map(
      (r) =>
        `| ${r.name} | ${r.impl} | ${ms(r.fwd.median)} (${ms(r.fwd.min)}) | ${ms(r.adj.median)} (${ms(r.adj.min)}) | ` +
        `${ms(r.fwd.median + r.adj.median)} |` +
        (prox ? ` ${r.prox ? `${ms(r.prox.median)} (${ms(r.prox.min)})` : '- (CG)'} |` : ''),
    ),
  ];
  const md = [
    ...header,
    '## Registered operators',
    '',
    ...table(rows, true),
    '',
    '## Variants (same operator, other implementation)',
    '',
    ...table(variants, false),
    '',
  ].join('\n');
  console.log(md);
  const outDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(`${outDir}operators.md`, md);
}

main();
