/**
 * The GPU backends of `spgd worker --backend` and SPGD_EXECUTION_PROVIDERS, checked on the
 * machine at hand: the shipped prior's compiled fused guidance model (D, ||A D - y||^2 and its
 * gradient in one run; random-inpainting operator) on each backend that starts here (cpu, and
 * webgpu / cuda when ONNX Runtime can open them), timed (median of REPS runs after a warm-up)
 * and compared with the CPU (relative L2 of D and of the gradient).
 *
 * On a GPU machine: the project's node_modules (onnxruntime-node with its binaries), Node.js and,
 * for webgpu, a Vulkan loader (Debian: libvulkan1) with the vendor's Vulkan driver; for cuda,
 * the CUDA provider first (README, "GPU"). Then
 *
 *   npm run bench:gpu                      (prints a markdown table)
 *   npm run bench:gpu -- --record          (also appends it, dated, to bench/results/gpu-check.md)
 *   env: GPU_CHECK_SIZES=256,512  GPU_CHECK_REPS=9
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OrtEpsModel } from '../lib/backends/ort-node';
import { cIn, sigmaToTimestep } from '../lib/diffusion/vp';
import { createOperator, simulateMeasurement } from '../lib/operators';
import { Rng } from '../lib/rng';
import { tensor, type Tensor } from '../lib/tensor';
import { describeDevice, probeBackend, providersFor, RUN_BACKENDS, type RunBackend } from '../server/queue/backend';
import { relL2 } from '../tests/support/golden';

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const SIZES = (process.env.GPU_CHECK_SIZES ?? '256,512').split(',').map(Number);
const REPS = Number(process.env.GPU_CHECK_REPS ?? 9);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function randn(shape: number[], seed: number): Tensor {
  const r = new Rng(seed, 'gpu-check');
  return tensor(shape, r.normals(shape.reduce((a, b) => a * b, 1)));
}

interface Result {
  backend: RunBackend;
  size: number;
  ms: number;
  d: Float32Array;
  g: Float32Array;
}

async function measure(bytes: Uint8Array, backend: RunBackend, size: number): Promise<Result> {
  const prior = await OrtEpsModel.create(bytes, { name: `prior-${backend}`, executionProviders: providersFor(backend) });
  try {
    const shape = [3, size, size];
    const op = createOperator('inpaint-random', shape, {}, new Rng(1, 'operator'));
    const y = simulateMeasurement(op, randn(shape, 2), 0.05, new Rng(3, 'measurement'));
    const x = randn(shape, 4);
    const sigma = 2;
    const call = async () => {
      const r = await prior.fusedVpLossGrad(x, { sigma, cIn: cIn(sigma), t: sigmaToTimestep(sigma) }, { kind: 'squared-residual', operator: op, y });
      if (!r) throw new Error('the fused guidance model did not run');
      return r;
    };
    const first = await call(); // compiles and warms up
    const ts: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now();
      await call();
      ts.push(performance.now() - t0);
    }
    return { backend, size, ms: median(ts), d: first.denoised.data, g: first.grad.data };
  } finally {
    await prior.release();
  }
}

async function main() {
  const bytes = new Uint8Array(fs.readFileSync(path.join(ROOT, 'public/models/spgd-prior-v1.onnx')));
  const usable: RunBackend[] = [];
  const notes: string[] = [];
  for (const b of RUN_BACKENDS) {
    try {
      await probeBackend(b);
      usable.push(b);
    } catch (e) {
      notes.push(`- ${b}: not run (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  const rows: string[] = [];
  for (const size of SIZES) {
    const results: Result[] = [];
    for (const b of usable) results.push(await measure(bytes, b, size));
    const cpu = results.find((r) => r.backend === 'cpu');
    for (const r of results) {
      const agree = cpu && r !== cpu ? `${relL2(r.d, cpu.d).toExponential(1)} / ${relL2(r.g, cpu.g).toExponential(1)}` : '-';
      rows.push(`| ${size}x${size} | ${r.backend} | ${describeDevice(r.backend)} | ${r.ms.toFixed(1)} | ${cpu ? (cpu.ms / r.ms).toFixed(2) : '-'} | ${agree} |`);
    }
  }
  const md = `## onnxruntime-node backends, fused guidance model (${new Date().toISOString().slice(0, 10)})

Machine: ${os.cpus()[0]?.model.trim() ?? 'CPU'}, ${os.cpus().length} cores; node ${process.version}; \`npm run bench:gpu\`. The shipped prior's
fused guidance model (random inpainting), median of ${REPS} runs after a warm-up; agreement with the CPU as relative L2 of D / of the gradient.

| size | backend | device | ms per call | speed-up over cpu | rel. L2 vs cpu (D / g) |
|---|---|---|---:|---:|---:|
${rows.join('\n')}
${notes.length ? `\n${notes.join('\n')}\n` : ''}`;
  console.log(md);
  if (process.argv.includes('--record')) {
    fs.appendFileSync(path.join(ROOT, 'bench/results/gpu-check.md'), `\n${md}`);
    console.log('appended to bench/results/gpu-check.md');
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
