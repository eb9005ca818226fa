/**
 * Operator timings at 3x256x256: forward (A x) and adjoint (A^T y) for every task, plus the
 * implementation variants the blurs can use, and the Gaussian blur's proximal step (exact vs
 * (P)CG) at 128 and 256 px. Warm-up, then the median of RUNS timed calls.
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
import { createOperator, OPERATORS, TASKS, type LinearOperator } from '../lib/operators/index';
import { factorSeparable } from '../lib/operators/kernels/separable-correlate';
import { SeparableNormalSolver } from '../lib/operators/kernels/separable-normal';
import { cgProxL2 } from '../lib/operators/solve';
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

/**
 * The Gaussian blur's proximal step (argmin ||A x - y||^2 + rho ||x - z||^2, what DiffPIR's data
 * step, DDNM+'s Tikhonov pseudo-inverse and the classical estimate solve) per solve: the exact
 * separable solver against (P)CG at DiffPIR's tolerance, at the sizes on either side of the
 * operator's switch (EXACT_SOLVE_MAX_SIZE in blur2d.ts).
 */
function proxRows(): string[] {
  const lines = ['| size | rho | exact (separable eigenbases) | (P)CG, tol 1e-4 | CG iterations | operator uses |', '|---|---:|---:|---:|---:|---|'];
  for (const size of [128, 256]) {
    const shape = [3, size, size];
    const kernel = gaussianKernel2d(61, 3);
    const op = blurOperator('gaussian-blur', shape, tensor([61, 61], kernel));
    const sep = factorSeparable(kernel, 61, 61)!;
    const exact = new SeparableNormalSolver(3, size, size, sep.u, 30, sep.v, 30);
    const rng = new Rng(2, 'bench');
    const n = 3 * size * size;
    const z: Tensor = { shape, data: rng.normals(n) };
    const y: Tensor = { shape, data: rng.normals(n) };
    for (const rho of [0.1, 1e-3, 1e-5]) {
      const aty = op.adjoint(y).data;
      const b = Float64Array.from(aty, (v, i) => v + rho * z.data[i]);
      const tExact = time(() => exact.solve(b, rho));
      let iterations = 0;
      const tCg = time(() => (iterations = cgProxL2(op, z, y, rho, { tol: 1e-4, maxIter: 200 }).iterations));
      lines.push(`| ${size}x${size} | ${rho} | ${ms(tExact.median)} | ${ms(tCg.median)} | ${iterations} | ${op.proxL2 ? 'exact' : '(P)CG'} |`);
    }
  }
  return lines;
}

function main(): void {
  const rows: Row[] = [];
  // The tasks that draw their own mask / kernel ('inpaint' and 'blur' require the user's).
  for (const task of TASKS.filter((t) => !OPERATORS[t].requires)) {
    const op = createOperator(task, SHAPE, {}, new Rng(0, 'operator'));
    const srFactor = /^sr-x(\d+)$/.exec(task)?.[1];
    const impl = (op as { impl?: string }).impl ?? (srFactor ? `banded ${4 * Number(srFactor)}-tap` : 'mask');
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
    `| task | implementation | forward | adjoint | forward + adjoint |${prox ? ' proxL2 (closed form, rho 0.1) |' : ''}`,
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
    '## Proximal step of the Gaussian blur (3 channels, std 3): exact solver vs (P)CG',
    '',
    ...proxRows(),
    '',
  ].join('\n');
  console.log(md);
  const outDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(`${outDir}operators.md`, md);
}

main();
