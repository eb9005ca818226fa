/**
 * Prior (epsilon network) timings through ONNX Runtime (Node, CPU) against PyTorch on the same
 * weights, at 64, 128 and 256 px:
 *
 *   forward             OrtEpsModel.eps                       (one forward session run)
 *   fused               OrtEpsModel.fusedVpLossGrad           (D, ||A D - y||^2, dL/dx: one run of
 *                                                              the fused guidance model; mask,
 *                                                              Gaussian blur, motion blur and sr-x4
 *                                                              operators)
 *   vjp                 OrtEpsModel.vjp                       (eps and J^T v for a known v: the same
 *                                                              computation as torch's autograd.grad)
 *   epsPullback         forward run + cotangent + VJP-model run (the unfused guidance path)
 *   torch               bench/prior_torch.py: forward, and forward + autograd.grad(sum(eps v), x)
 *
 * plus ONNX Runtime's MatMul throughput (1024^3, same session options) as the machine's
 * roofline, peak RSS of a forward / VJP / fused session (each in a fresh child process), a
 * session-option sweep, and ONNX Runtime per-op profiles of the forward and the fused model (interleaved) at 128 px and above.
 *
 * The network: public/models/spgd-prior-v1.onnx when it exists (the trained prior; torch then
 * reads its weights from that file), otherwise the ONNX that prior_torch.py exports of a
 * stand-in UNet of the default prior's size. Either way a probe
 * input checks that both sides run identical weights.
 *
 *   npm run bench:prior            (writes bench/results/prior.md)
 *   npm run bench:prior -- --profile   (only the profiles and fused / forward at 128 and 256 px: bench/results/prior-profile.md)
 *   env: PRIOR_BENCH_SIZES=64,128,256  PRIOR_BENCH_THREADS=2  PRIOR_BENCH_REPS=9  PRIOR_BENCH_TORCH=0 (skip torch)
 *        PRIOR_BENCH_GRADIENT_MEM_PATTERN=1 (gradient sessions with ORT's memory pattern, as before it was turned off for them)
 *        PRIOR_BENCH_BASELINE=<another checkout> (also times that checkout's fused models, compiled by its
 *        lib/onnx/guidance.ts with its session defaults of the time (memory pattern on), in the same
 *        interleaved rounds: a before/after comparison that the box's drifting load cannot skew)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OrtEpsModel, OrtSession } from '../lib/backends/ort-node';
import type { HostTensor, OrtEpsModelOptions, OrtSessionOptions } from '../lib/backends/ort-session';
import { cIn, sigmaToTimestep } from '../lib/diffusion/vp';
import { ModelBuilder } from '../lib/onnx/builder';
import { compileVjpModel, inspectModel } from '../lib/onnx/compile';
import { compileGuidanceModel, GUIDANCE_OPERATOR_NAMES } from '../lib/onnx/guidance';
import type { OperatorOnnxForm } from '../lib/onnx/operator-form';
import { DataType } from '../lib/onnx/proto';
import { createOperator, simulateMeasurement, type LinearOperator } from '../lib/operators';
import { Rng } from '../lib/rng';
import { tensor, type Tensor } from '../lib/tensor';
import { median } from './support/stats';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const PUBLIC_PRIOR = path.join(ROOT, 'public/models/spgd-prior-v1.onnx');
const SIZES = (process.env.PRIOR_BENCH_SIZES ?? '64,128,256').split(',').map(Number);
const THREADS = Number(process.env.PRIOR_BENCH_THREADS ?? 2);
const REPS = Number(process.env.PRIOR_BENCH_REPS ?? 9);
const SESSION: OrtSessionOptions = { intraOpNumThreads: THREADS, allowSpinning: false, graphOptimizationLevel: 'all', enableMemPattern: true };
/** The gradient (VJP, fused) sessions' memory pattern (OrtEpsModelOptions.gradientMemPattern). */
const GRADIENT_MEM_PATTERN = process.env.PRIOR_BENCH_GRADIENT_MEM_PATTERN === '1';
const GRADIENT_SESSION: OrtSessionOptions = { ...SESSION, enableMemPattern: GRADIENT_MEM_PATTERN };
/** Operators of the fused guidance model, by report key (the bench's seed 1 draws each one). */
const OPERATORS = { mask: 'inpaint-random', gaussian: 'gaussian-blur', motion: 'motion-blur', 'sr-x4': 'sr-x4' } as const;
type OperatorKey = keyof typeof OPERATORS;
const OPERATOR_NAMES: Record<OperatorKey, string> = { mask: 'mask', gaussian: 'Gaussian blur', motion: 'motion blur', 'sr-x4': 'sr-x4' };
const BASELINE = process.env.PRIOR_BENCH_BASELINE;

/** Feeds of a fused guidance model for one image. */
function guidanceFeeds(form: OperatorOnnxForm, x: Tensor, sigma: number, y: Tensor): Record<string, HostTensor> {
  const [, h, w] = x.shape;
  const feeds: Record<string, HostTensor> = {
    x: { dtype: 'float32', dims: [1, 3, h, w], data: x.data },
    c_in: { dtype: 'float32', dims: [1], data: Float32Array.of(cIn(sigma)) },
    sigma: { dtype: 'float32', dims: [1], data: Float32Array.of(sigma) },
    t: { dtype: 'float32', dims: [1], data: Float32Array.of(sigmaToTimestep(sigma)) },
    y: { dtype: 'float32', dims: [...form.outShape], data: y.data },
  };
  for (const f of form.feeds) feeds[f.name] = { dtype: 'float32', dims: [...f.dims], data: f.data };
  return feeds;
}

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');

function randn(shape: number[], seed: number, scale = 1): Tensor {
  const r = new Rng(seed, 'prior-bench');
  return tensor(shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * r.normal()));
}

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  let d = 0;
  for (let i = 0; i < b.length; i++) {
    n += (a[i] - b[i]) ** 2;
    d += b[i] ** 2;
  }
  return Math.sqrt(n / d);
}

/**
 * Times each named async function in interleaved rounds (so drifting load hits all alike):
 * medians of wall time and of this process's CPU time (all its threads, user + system), which
 * the neighbours' load distorts far less on a shared box (a descheduled thread costs wall
 * time, not CPU time).
 */
async function timeInterleaved(fns: Record<string, () => Promise<unknown>>, reps: number, warmup = 2): Promise<{ wall: Record<string, number>; cpu: Record<string, number> }> {
  const names = Object.keys(fns);
  for (let i = 0; i < warmup; i++) for (const n of names) await fns[n]();
  const ts: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const cs: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < reps; r++) {
    for (const n of names) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await fns[n]();
      ts[n].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cs[n].push((c.user + c.system) / 1000);
    }
  }
  const medians = (v: Record<string, number[]>) => Object.fromEntries(names.map((n) => [n, median(v[n])]));
  return { wall: medians(ts), cpu: medians(cs) };
}

/** The fused (or baseline) times of one size by operator key, from timeInterleaved's names. */
function byOperator(t: Record<string, number>, prefix: string): Partial<Record<OperatorKey, number>> {
  return Object.fromEntries(Object.entries(t).filter(([k]) => k.startsWith(prefix)).map(([k, val]) => [k.slice(prefix.length), val]));
}

// ---------------------------------------------------------------------------------------------
// Child mode: peak RSS of one session (a fresh process per measurement)

interface MemSpec {
  model: string;
  feeds: { name: string; dtype: 'float32'; dims: number[] }[];
  options: OrtSessionOptions;
}

async function childMemory(specFile: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specFile, 'utf8')) as MemSpec;
  const bytes = new Uint8Array(readFileSync(spec.model));
  const feeds: Record<string, HostTensor> = {};
  for (const f of spec.feeds) {
    feeds[f.name] = { dtype: f.dtype, dims: f.dims, data: randn(f.dims, 1, 0.5).data };
  }
  const rss0 = process.memoryUsage().rss;
  const session = await OrtSession.create(bytes, spec.options);
  const afterCreate = process.memoryUsage().rss;
  for (let i = 0; i < 3; i++) await session.run(feeds);
  // VmHWM is this process's own peak RSS (maxRSS would include the parent's RSS at spawn time).
  const hwm = /VmHWM:\s+(\d+) kB/.exec(existsSync('/proc/self/status') ? readFileSync('/proc/self/status', 'utf8') : '');
  const peak = hwm ? Number(hwm[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
  process.stdout.write(JSON.stringify({ rss0, afterCreate, peak, peakDelta: peak - rss0 }) + '\n');
}

function measureMemory(tmp: string, name: string, bytes: Uint8Array, feeds: MemSpec['feeds'], options: OrtSessionOptions): number {
  const model = path.join(tmp, `${name}.onnx`);
  const spec = path.join(tmp, `${name}.json`);
  writeFileSync(model, bytes);
  writeFileSync(spec, JSON.stringify({ model, feeds, options }));
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--mem', spec], { encoding: 'utf8' });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return (JSON.parse(line) as { peakDelta: number }).peakDelta;
  } catch {
    console.error(`memory probe '${name}' failed: ${r.stderr.slice(-500)}`);
    return NaN;
  }
}

// ---------------------------------------------------------------------------------------------

interface TorchRow {
  size: number;
  forward_ms: number;
  forward_vjp_ms: number;
  flops: number;
}

interface TorchResult {
  source: string;
  parameters: number;
  onnx: string;
  torch: string;
  threads: number;
  blas: string;
  ld_library_path: string;
  python: string;
  probe: { x: string; eps: string; shape: number[]; t: number };
  rows: TorchRow[];
}

function runTorch(tmp: string): { result: TorchResult | null; log: string } {
  if (process.env.PRIOR_BENCH_TORCH === '0') return { result: null, log: 'skipped (PRIOR_BENCH_TORCH=0)' };
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  const openblas = '/usr/lib/x86_64-linux-gnu/openblas-openmp';
  const env = { ...process.env, OMP_NUM_THREADS: String(THREADS), OMP_WAIT_POLICY: 'PASSIVE', ...(existsSync(openblas) ? { LD_LIBRARY_PATH: openblas } : {}) };
  const r = spawnSync(python, [path.join(HERE, 'prior_torch.py'), '--out-dir', tmp, '--sizes', SIZES.join(','), '--threads', String(THREADS), '--reps', String(REPS)], {
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 24,
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stdout and stderr are null when python could not be started (typed string)
  const log = (r.stdout ?? '') + (r.status !== 0 ? `\n${r.stderr ?? ''}` : '');
  const file = path.join(tmp, 'torch.json');
  if (r.status !== 0 || !existsSync(file)) return { result: null, log: `prior_torch.py failed (status ${r.status}): ${log.slice(-800)}` };
  return { result: JSON.parse(readFileSync(file, 'utf8')) as TorchResult, log };
}

const MATMUL_N = 1024;

/** A 1024^3 MatMul session (the machine's roofline through ONNX Runtime, same options). */
async function matmulRunner(): Promise<{ run: () => Promise<unknown>; release: () => Promise<void> }> {
  const n = MATMUL_N;
  const b = new ModelBuilder(17);
  const a = b.input('a', DataType.FLOAT, [n, n]);
  const c = b.input('b', DataType.FLOAT, [n, n]);
  b.output(b.node('MatMul', [a, c]), DataType.FLOAT, [n, n]);
  const s = await OrtSession.create(b.build(), SESSION);
  const feeds: Record<string, HostTensor> = {
    a: { dtype: 'float32', dims: [n, n], data: randn([n, n], 1).data },
    b: { dtype: 'float32', dims: [n, n], data: randn([n, n], 2).data },
  };
  return { run: () => s.run(feeds), release: () => s.release() };
}

const matmulGflopsOf = (ms: number) => (2 * MATMUL_N ** 3) / (ms * 1e6);

/** Where one profiled session's time goes: mean run time, executor time (run minus kernels), and kernel time per part and op type. */
interface ProfileSplit {
  run: number;
  executor: number;
  /** "conv" / "other": the network's (and loss's) own nodes; "backward conv" / "backward other": emitted gradient nodes; "layout": NCHWc reorders. */
  parts: Record<ProfilePart, Record<string, number>>;
}
const PROFILE_PARTS = ['conv', 'other', 'backward conv', 'backward other', 'layout'] as const;
type ProfilePart = (typeof PROFILE_PARTS)[number];

/** Splits one profiled session's steady-state runs (after `skipRuns`) by part and op type. */
function summarizeProfile(file: string, skipRuns: number): ProfileSplit {
  const events = JSON.parse(readFileSync(file, 'utf8')) as { cat?: string; name: string; ts: number; dur: number; args?: { op_name?: string } }[];
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts).slice(skipRuns);
  const start = runs[0]?.ts ?? 0;
  const n = Math.max(1, runs.length);
  const parts = Object.fromEntries(PROFILE_PARTS.map((p) => [p, {}])) as ProfileSplit['parts'];
  let kernels = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time') || e.ts < start) continue;
    const op = e.args?.op_name ?? '?';
    const backward = e.name.includes('_Grad') || e.name.includes('grad_sum');
    const part: ProfilePart = op.startsWith('Reorder') ? 'layout' : op === 'Conv' ? (backward ? 'backward conv' : 'conv') : backward ? 'backward other' : 'other';
    parts[part][op] = (parts[part][op] ?? 0) + e.dur / 1000 / n;
    kernels += e.dur / 1000 / n;
  }
  const run = runs.reduce((p, r) => p + r.dur, 0) / 1000 / n;
  return { run, executor: run - kernels, parts };
}

const partTotal = (ops: Record<string, number>) => Object.values(ops).reduce((p, v) => p + v, 0);

/** The forward and the fused guidance model (mask operator) at one size, with their feeds for one input. */
function modelPair(bytes: Uint8Array, size: number, sigma: number): { fusedBytes: Uint8Array; fwdFeeds: Record<string, HostTensor>; fusedFeeds: Record<string, HostTensor> } {
  const op = createOperator('inpaint-random', [3, size, size], {}, new Rng(1, 'operator'));
  const form = op.onnxForm!(GUIDANCE_OPERATOR_NAMES)!;
  const x = randn([3, size, size], 4, sigma);
  return {
    fusedBytes: compileGuidanceModel(bytes, { height: size, width: size, operator: form }).bytes,
    fwdFeeds: {
      x: { dtype: 'float32', dims: [1, 3, size, size], data: x.data.map((v) => v * cIn(sigma)) },
      t: { dtype: 'float32', dims: [1], data: Float32Array.of(sigmaToTimestep(sigma)) },
    },
    fusedFeeds: guidanceFeeds(form, x, sigma, randn([3, size, size], 6, 0.5)),
  };
}

/**
 * Profiles the forward model and the fused guidance model of `modelPair` at one size, their runs
 * interleaved so that the box's drifting load hits both alike.
 */
async function profilePair(tmp: string, bytes: Uint8Array, size: number, pair: ReturnType<typeof modelPair>): Promise<{ size: number; forward: ProfileSplit; fused: ProfileSplit }> {
  const prefix = (name: string) => path.join(tmp, `profile_${name}_${size}`);
  const fwd = await OrtSession.create(bytes, { ...SESSION, profileFilePrefix: prefix('forward') });
  const fused = await OrtSession.create(pair.fusedBytes, { ...GRADIENT_SESSION, profileFilePrefix: prefix('fused') });
  const { fwdFeeds, fusedFeeds } = pair;
  for (let i = 0; i < 8; i++) {
    await fwd.run(fwdFeeds);
    await fused.run(fusedFeeds);
  }
  fwd.endProfiling();
  fused.endProfiling();
  await fwd.release();
  await fused.release();
  const summary = (name: string) => {
    const f = readdirSync(tmp).find((file) => file.startsWith(path.basename(prefix(name))) && file.endsWith('.json'));
    if (!f) throw new Error(`no profile written for the ${name} model at ${size} px`);
    return summarizeProfile(path.join(tmp, f), 2);
  };
  return { size, forward: summary('forward'), fused: summary('fused') };
}

interface SizeResult {
  size: number;
  gflop: number;
  forward: number;
  /** Per operator; the blurs and sr-x4 only at the sizes they take. */
  fused: { mask: number } & Partial<Record<OperatorKey, number>>;
  /** Size of the motion kernel's nonzero box (what its ONNX form convolves with). */
  motionBox?: string;
  vjp: number;
  pullback: number;
  /** ORT MatMul 1024^3 GFLOP/s, timed in the same interleaved rounds. */
  matmulGflops: number;
  torch?: TorchRow;
  mem: { forward: number; vjp: number; fused: number };
  /** The baseline checkout's fused models (PRIOR_BENCH_BASELINE), same rounds. */
  baseline?: Partial<Record<OperatorKey, number>>;
  /** The same rounds in CPU time. */
  cpu: { forward: number; fused: Partial<Record<OperatorKey, number>>; baseline?: Partial<Record<OperatorKey, number>> };
}

async function main(): Promise<void> {
  const tmp = path.join(os.tmpdir(), `spgd-prior-bench-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const started = new Date();
  console.log(`sizes ${SIZES.join(', ')}, ${THREADS} threads; running bench/prior_torch.py ...`);
  const torch = runTorch(tmp);
  console.log(torch.log.trim());

  const usePublic = existsSync(PUBLIC_PRIOR);
  const modelPath = usePublic ? PUBLIC_PRIOR : torch.result?.onnx;
  if (!modelPath) throw new Error('no prior to benchmark: public/models/spgd-prior-v1.onnx is missing and prior_torch.py failed');
  const bytes = new Uint8Array(readFileSync(modelPath));
  const prior = await OrtEpsModel.create(bytes, { ...SESSION, gradientMemPattern: GRADIENT_MEM_PATTERN, name: path.basename(modelPath) });
  const info = inspectModel(bytes, { height: 64, width: 64 });

  // Same weights on both sides: ORT on torch's probe input.
  let probeErr = NaN;
  if (torch.result) {
    const load = (f: string) => {
      const b = readFileSync(path.join(tmp, f));
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    };
    const [, , ph, pw] = torch.result.probe.shape;
    const out = await prior.eps(tensor([3, ph, pw], load(torch.result.probe.x)), torch.result.probe.t);
    probeErr = relL2(out.eps.data, load(torch.result.probe.eps));
    console.log(`probe: ORT vs torch eps rel L2 ${probeErr.toExponential(2)}`);
  }

  const matmul = await matmulRunner();

  const sigma = 2.5;
  const results: SizeResult[] = [];
  for (const s of SIZES) {
    const shape = [3, s, s];
    const fits = (k: OperatorKey) => (k === 'sr-x4' ? s % 4 === 0 : k === 'mask' || s >= 31);
    const ops = Object.fromEntries(
      (Object.keys(OPERATORS) as OperatorKey[]).filter(fits).map((k) => [k, createOperator(OPERATORS[k], shape, {}, new Rng(1, 'operator'))]),
    ) as Partial<Record<OperatorKey, LinearOperator>> & { mask: LinearOperator };
    const truth = randn(shape, 3, 0.5);
    const ys = Object.fromEntries(Object.entries(ops).map(([k, op]) => [k, simulateMeasurement(op, truth, 0.05, new Rng(2, 'measurement'))])) as Record<OperatorKey, Tensor>;
    for (const op of Object.values(ops)) await prior.prepareGuidance(op);
    await prior.prepare(s, s);
    const x = randn(shape, 4, sigma);
    const z = tensor(shape, x.data.map((v) => v * cIn(sigma)));
    const t = sigmaToTimestep(sigma);
    const v = randn(shape, 5);
    const scalars = { sigma, cIn: cIn(sigma), t };
    const fns: Record<string, () => Promise<unknown>> = {
      forward: () => prior.eps(z, t),
      'fused mask': () => prior.fusedVpLossGrad(x, scalars, { kind: 'squared-residual', operator: ops.mask, y: ys.mask }),
      vjp: () => prior.vjp(z, t, v),
      pullback: () => prior.epsPullback(z, t, (o) => tensor(shape, o.eps.data.map((e, i) => e * v.data[i]))),
      matmul: matmul.run,
    };
    for (const k of (Object.keys(ops) as OperatorKey[]).filter((k) => k !== 'mask')) {
      fns[`fused ${k}`] = () => prior.fusedVpLossGrad(x, scalars, { kind: 'squared-residual', operator: ops[k]!, y: ys[k] });
    }
    const baselineSessions: OrtSession[] = [];
    if (BASELINE) {
      const base = (await import(pathToFileURL(path.join(BASELINE, 'lib/onnx/guidance.ts')).href)) as typeof import('../lib/onnx/guidance');
      for (const [k, op] of Object.entries(ops) as [OperatorKey, LinearOperator][]) {
        const form = op.onnxForm!(GUIDANCE_OPERATOR_NAMES)!;
        const session = await OrtSession.create(base.compileGuidanceModel(bytes, { height: s, width: s, operator: form }).bytes, SESSION);
        baselineSessions.push(session);
        const feeds = guidanceFeeds(form, x, sigma, ys[k]);
        fns[`baseline ${k}`] = () => session.run(feeds);
      }
    }
    const reps = s >= 256 ? Math.max(5, REPS - 2) : REPS;
    const { wall: tm, cpu } = await timeInterleaved(fns, reps);
    for (const b of baselineSessions) await b.release();
    const gflop = inspectModel(bytes, { height: s, width: s }).flops / 1e9;

    // Peak RSS of each kind of session, in fresh processes.
    const img = { dtype: 'float32' as const, dims: [1, 3, s, s] };
    const tFeed = { name: 't', dtype: 'float32' as const, dims: [1] };
    const form = ops.mask.onnxForm!(GUIDANCE_OPERATOR_NAMES)!;
    const mem = {
      forward: measureMemory(tmp, `fwd${s}`, bytes, [{ name: 'x', ...img }, tFeed], SESSION),
      vjp: measureMemory(tmp, `vjp${s}`, compileVjpModel(bytes, { height: s, width: s }).bytes, [{ name: 'x', ...img }, tFeed, { name: 'v', ...img }], GRADIENT_SESSION),
      fused: measureMemory(tmp, `fused${s}`, compileGuidanceModel(bytes, { height: s, width: s, operator: form }).bytes, [
        { name: 'x', ...img },
        { name: 'c_in', dtype: 'float32', dims: [1] },
        { name: 'sigma', dtype: 'float32', dims: [1] },
        tFeed,
        { name: 'y', ...img },
        ...form.feeds.map((f) => ({ name: f.name, dtype: 'float32' as const, dims: [...f.dims] })),
      ], GRADIENT_SESSION),
    };
    const fused = { mask: tm['fused mask'], ...byOperator(tm, 'fused ') };
    const row: SizeResult = {
      size: s,
      gflop,
      forward: tm.forward,
      fused,
      vjp: tm.vjp,
      pullback: tm.pullback,
      matmulGflops: matmulGflopsOf(tm.matmul),
      torch: torch.result?.rows.find((r) => r.size === s),
      mem,
      motionBox: ops.motion?.onnxForm?.(GUIDANCE_OPERATOR_NAMES)?.feeds[0].dims.slice(2).join('x'),
      ...(BASELINE ? { baseline: byOperator(tm, 'baseline ') } : {}),
      cpu: { forward: cpu.forward, fused: byOperator(cpu, 'fused '), ...(BASELINE ? { baseline: byOperator(cpu, 'baseline ') } : {}) },
    };
    results.push(row);
    console.log(
      `${s}x${s}: forward ${f1(row.forward)} ms, fused ${Object.entries(fused).map(([k, val]) => `${k} ${f1(val)}`).join(' / ')} ms ` +
        `(${f2(fused.mask / row.forward)}x), vjp ${f1(row.vjp)} ms, epsPullback ${f1(row.pullback)} ms (${f2(row.pullback / row.forward)}x), MatMul ${f1(row.matmulGflops)} GFLOP/s` +
        (row.torch ? `; torch forward ${f1(row.torch.forward_ms)}, forward+vjp ${f1(row.torch.forward_vjp_ms)} ms` : ''),
    );
  }

  // Session-option sweep (forward and fused mask) at 128 px, or the largest size below it.
  const sweepSize = SIZES.filter((s) => s <= 128).pop() ?? SIZES[0];
  const sweepOp = createOperator('inpaint-random', [3, sweepSize, sweepSize], {}, new Rng(1, 'operator'));
  const sweepY = simulateMeasurement(sweepOp, randn([3, sweepSize, sweepSize], 3, 0.5), 0.05, new Rng(2, 'measurement'));
  const variants: [string, OrtEpsModelOptions][] = [
    [`all, spinning off, memory pattern on for the forward and ${GRADIENT_MEM_PATTERN ? 'on' : 'off'} for the fused model (used)`, { ...SESSION, gradientMemPattern: GRADIENT_MEM_PATTERN }],
    ['all, spinning on', { ...SESSION, allowSpinning: true, gradientMemPattern: GRADIENT_MEM_PATTERN }],
    ['extended (no NCHWc layout)', { ...SESSION, graphOptimizationLevel: 'extended', gradientMemPattern: GRADIENT_MEM_PATTERN }],
    [`all, fused model memory pattern ${GRADIENT_MEM_PATTERN ? 'off' : 'on'}`, { ...SESSION, gradientMemPattern: !GRADIENT_MEM_PATTERN }],
    ['all, 1 thread', { ...SESSION, intraOpNumThreads: 1, gradientMemPattern: GRADIENT_MEM_PATTERN }],
  ];
  const sweep: { name: string; forward: number; fused: number }[] = [];
  for (const [name, o] of variants) {
    const m = await OrtEpsModel.create(bytes, o);
    await m.prepareGuidance(sweepOp);
    const xs = randn([3, sweepSize, sweepSize], 4, sigma);
    const zs = tensor(xs.shape, xs.data.map((val) => val * cIn(sigma)));
    const { wall: tm } = await timeInterleaved(
      {
        forward: () => m.eps(zs, sigmaToTimestep(sigma)),
        fused: () => m.fusedVpLossGrad(xs, { sigma, cIn: cIn(sigma), t: sigmaToTimestep(sigma) }, { kind: 'squared-residual', operator: sweepOp, y: sweepY }),
      },
      REPS,
    );
    await m.release();
    sweep.push({ name, forward: tm.forward, fused: tm.fused });
    console.log(`options ${name}: forward ${f1(tm.forward)} ms, fused ${f1(tm.fused)} ms`);
  }

  // Per-op profiles of the forward and the fused model at 128 px and above (or the largest size).
  const profiled = SIZES.filter((size) => size >= 128);
  const profiles = [];
  for (const size of profiled.length ? profiled : SIZES.slice(-1)) profiles.push(await profilePair(tmp, bytes, size, modelPair(bytes, size, sigma)));
  await prior.release();
  await matmul.release();

  writeReport({ started, modelPath, usePublic, info, torch, probeErr, results, sweep, sweepSize, profiles });
  rmSync(tmp, { recursive: true, force: true });
}

/** The report's section on where the fused model's time goes (from profilePair), with the un-profiled ratios when timed. */
function profileSection(profiles: Awaited<ReturnType<typeof profilePair>>[], timed?: Record<number, { wall: number; cpu: number }>): string[] {
  const L: string[] = [];
  L.push(`## Where the fused model's time goes, against the forward (ONNX Runtime profiles, ${String(THREADS)} thread${THREADS === 1 ? '' : 's'}, mask operator)`, '');
  L.push(
    'Both models profiled in the same process, their runs interleaved (6 steady-state runs each, after 2), milliseconds per run (profiling adds overhead). ' +
      '"conv" / "other" = the network\'s (and the loss\'s) own nodes; "backward" = the emitted gradient nodes; "layout" = the NCHWc reorders ONNX Runtime inserts around its blocked convolutions; ' +
      '"executor" = run time minus kernel time (per-node dispatch and allocation). "floor" = what fused / forward would be if everything but the backward convolutions cost what it costs in the forward model.' +
      (timed ? ' "un-profiled" = fused / forward of the same two models timed without profiling in interleaved rounds (wall time, CPU time in brackets).' : ''),
    '',
  );
  L.push(
    `| size | model | run | conv | backward conv | other | backward other | layout | executor | fused / forward | floor |${timed ? ' un-profiled |' : ''}`,
    `|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|${timed ? '---:|' : ''}`,
  );
  for (const p of profiles) {
    for (const [name, m] of [['forward', p.forward], ['fused', p.fused]] as const) {
      const t = (part: ProfilePart) => partTotal(m.parts[part]);
      const fused = name === 'fused';
      const plain = timed?.[p.size];
      L.push(
        `| ${p.size}x${p.size} | ${name} | ${f1(m.run)} | ${f1(t('conv'))} | ${f1(t('backward conv'))} | ${f1(t('other'))} | ${f1(t('backward other'))} | ${f1(t('layout'))} | ${f1(m.executor)} | ` +
          `${fused ? `**${f2(m.run / p.forward.run)}**` : ''} | ${fused ? f2((p.forward.run + t('backward conv')) / p.forward.run) : ''} |` +
          (timed ? ` ${fused && plain ? `**${f2(plain.wall)}** (${f2(plain.cpu)})` : ''} |` : ''),
      );
    }
  }
  L.push('', 'Largest op types of the fused model\'s backward non-convolution work:', '');
  for (const p of profiles) {
    const items = Object.entries(p.fused.parts['backward other']).sort((a, b) => b[1] - a[1]);
    L.push(`- ${p.size}x${p.size}: ${items.slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  }
  return L;
}

/**
 * `--profile`: only the profiles (at PRIOR_BENCH_SIZES, default 128 and 256) and the same two
 * models' fused / forward timed without profiling; writes bench/results/prior-profile.md.
 */
async function profileOnly(): Promise<void> {
  const tmp = path.join(os.tmpdir(), `spgd-prior-profile-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const started = new Date();
  const bytes = new Uint8Array(readFileSync(PUBLIC_PRIOR));
  const sizes = process.env.PRIOR_BENCH_SIZES ? SIZES : [128, 256];
  const sigma = 2.5;
  const profiles = [];
  const timed: Record<number, { wall: number; cpu: number }> = {};
  for (const size of sizes) {
    const pair = modelPair(bytes, size, sigma);
    const { fwdFeeds, fusedFeeds } = pair;
    const fwd = await OrtSession.create(bytes, SESSION);
    const fused = await OrtSession.create(pair.fusedBytes, GRADIENT_SESSION);
    const { wall, cpu } = await timeInterleaved({ forward: () => fwd.run(fwdFeeds), fused: () => fused.run(fusedFeeds) }, size >= 256 ? Math.max(5, REPS - 2) : REPS);
    timed[size] = { wall: wall.fused / wall.forward, cpu: cpu.fused / cpu.forward };
    await fwd.release();
    await fused.release();
    profiles.push(await profilePair(tmp, bytes, size, pair));
    console.log(`${size}x${size}: fused / forward ${f2(timed[size].wall)} wall, ${f2(timed[size].cpu)} CPU`);
  }
  const L = [
    '# Prior benchmark: where the fused gradient\'s time goes',
    '',
    `- date ${started.toISOString()}; machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores (${os.platform()} ${os.arch()}), load average ${os.loadavg().map((v) => v.toFixed(2)).join(' / ')} at the end (the box is shared)`,
    `- \`PRIOR_BENCH_THREADS=${String(THREADS)} npm run bench:prior -- --profile\`; the shipped prior, the session options of \`prior.md\``,
    '',
    ...profileSection(profiles, timed),
    '',
  ];
  writeFileSync(path.join(HERE, 'results/prior-profile.md'), L.join('\n'));
  rmSync(tmp, { recursive: true, force: true });
  console.log('wrote bench/results/prior-profile.md');
}

function writeReport(r: {
  started: Date;
  modelPath: string;
  usePublic: boolean;
  info: ReturnType<typeof inspectModel>;
  torch: { result: TorchResult | null; log: string };
  probeErr: number;
  results: SizeResult[];
  sweep: { name: string; forward: number; fused: number }[];
  sweepSize: number;
  profiles: Awaited<ReturnType<typeof profilePair>>[];
}): void {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const ortVersion = (JSON.parse(readFileSync(path.join(ROOT, 'node_modules/onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  const tr = r.torch.result;
  const mb = (b: number) => (Number.isFinite(b) ? (b / 2 ** 20).toFixed(0) : '-');
  const L: string[] = [];
  L.push('# Prior benchmark: forward and forward + VJP through ONNX Runtime vs PyTorch', '');
  L.push(`- date ${r.started.toISOString()}; machine: ${cpu}, ${os.cpus().length} cores (${os.platform()} ${os.arch()}), load average ${os.loadavg().map((v) => v.toFixed(2)).join(' / ')} at the end (the box is shared)`);
  L.push(`- node ${process.version}, onnxruntime-node ${ortVersion} (CPU EP)` + (tr ? `, torch ${tr.torch} (python ${tr.python}, ${tr.threads} threads, ${tr.blas}${tr.ld_library_path ? `, LD_LIBRARY_PATH=${tr.ld_library_path}` : ''}, OMP_WAIT_POLICY=PASSIVE like ORT's spinning off)` : ''));
  L.push(
    `- network: ${r.usePublic ? '**the trained prior `public/models/spgd-prior-v1.onnx`** (it exists, so it is benchmarked instead of a stand-in)' : `stand-in exported by bench/prior_torch.py (${r.modelPath})`}; ` +
      `${(r.info.parameterCount / 1e6).toFixed(2)} M parameters` + (tr ? `; torch side: ${tr.source}` : ''),
  );
  if (tr) L.push(`- same weights: ORT vs torch eps on a 64x64 probe, relative L2 error ${r.probeErr.toExponential(2)}`);
  else L.push(`- torch: ${r.torch.log.trim().split('\n').slice(-3).join(' ')}`);
  L.push(
    '- torch side on a clean checkout (Debian): `apt-get install -y python3-torch python3-onnx python3-numpy`; `bench/prior_torch.py` reads the weights from the shipped ONNX file, ' +
      'and runs with `LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp` (OpenBLAS with OpenMP, set by the bench when present)',
  );
  L.push(
    `- ORT session options (used for every number below): graphOptimizationLevel 'all', intraOpNumThreads ${THREADS}, executionMode 'sequential', ` +
      `memory pattern on for the forward and ${GRADIENT_MEM_PATTERN ? 'on' : 'off'} for the VJP and fused models, enableCpuMemArena true, intra-op spinning off (see the sweep)`,
  );
  L.push(`- times are medians of interleaved rounds (ORT: ${REPS} at 64/128, ${Math.max(5, REPS - 2)} at 256, after 2 warm-up rounds; torch: forward and forward + VJP interleaved, ${REPS} rounds (${Math.max(5, REPS - 2)} at 256) after 4 warm-up rounds), milliseconds; \`npm run bench:prior\``);
  L.push(`- roofline: ORT MatMul 1024x1024x1024 with the same options, timed in the same interleaved rounds as each size (column "MatMul GFLOP/s"; the box's speed drifts with its neighbours' load)`, '');

  L.push('## Time', '');
  const keys = Object.keys(OPERATORS) as OperatorKey[];
  const box = r.results.map((x) => x.motionBox).find(Boolean) ?? '-';
  L.push(
    `"fused" is one run of the fused guidance model (D, loss, dL/dx; operator in brackets, seed-1 draws: the motion kernel's nonzero box is ${box}), "vjp" one run of the VJP model (eps and J^T v for a known v), ` +
      '"epsPullback" the unfused guidance path (forward run, then the VJP model, which evaluates the forward again).',
    '',
  );
  L.push(`| size | GFLOP (fwd) | forward | ${keys.map((k) => `fused [${OPERATOR_NAMES[k]}]`).join(' | ')} | vjp | epsPullback | epsPullback / forward | torch forward | torch fwd+vjp | fused [mask] / torch fwd+vjp | vjp / torch fwd+vjp |`);
  L.push(`|---|---:|---:|${keys.map(() => '---:|').join('')}---:|---:|---:|---:|---:|---:|---:|`);
  for (const x of r.results) {
    const t = x.torch;
    L.push(
      `| ${x.size}x${x.size} | ${x.gflop.toFixed(2)} | ${f1(x.forward)} | ${keys.map((k) => f1(x.fused[k] ?? NaN)).join(' | ')} | ${f1(x.vjp)} | ${f1(x.pullback)} | ` +
        `${f2(x.pullback / x.forward)} | ${t ? f1(t.forward_ms) : '-'} | ${t ? f1(t.forward_vjp_ms) : '-'} | ` +
        `**${t ? f2(x.fused.mask / t.forward_vjp_ms) : '-'}** | ${t ? f2(x.vjp / t.forward_vjp_ms) : '-'} |`,
    );
  }
  L.push('', 'Fused / forward, per operator, in wall time (CPU time of the same calls in brackets):', '');
  L.push(`| size | ${keys.map((k) => OPERATOR_NAMES[k]).join(' | ')} |`, `|---|${keys.map(() => '---:|').join('')}`);
  for (const x of r.results) {
    L.push(`| ${x.size}x${x.size} | ${keys.map((k) => `**${f2((x.fused[k] ?? NaN) / x.forward)}** (${f2((x.cpu.fused[k] ?? NaN) / x.cpu.forward)})`).join(' | ')} |`);
  }
  if (r.results.some((x) => x.baseline)) {
    L.push('', `Against the baseline checkout \`${BASELINE}\` (its fused models timed in the same interleaved rounds): fused / forward, baseline -> this tree, wall time (CPU time):`, '');
    L.push(`| size | ${keys.map((k) => OPERATOR_NAMES[k]).join(' | ')} |`, `|---|${keys.map(() => '---:|').join('')}`);
    for (const x of r.results) {
      const cell = (k: OperatorKey) =>
        `${f2((x.baseline?.[k] ?? NaN) / x.forward)} -> ${f2((x.fused[k] ?? NaN) / x.forward)} (${f2((x.cpu.baseline?.[k] ?? NaN) / x.cpu.forward)} -> ${f2((x.cpu.fused[k] ?? NaN) / x.cpu.forward)})`;
      L.push(`| ${x.size}x${x.size} | ${keys.map(cell).join(' | ')} |`);
    }
  }
  L.push('', '## Targets', '');
  const worst = (vals: number[]) => Math.max(...vals.filter(Number.isFinite));
  const least = (vals: number[]) => Math.min(...vals.filter(Number.isFinite));
  const targetSizes = r.results.filter((x) => x.size === 128 || x.size === 256);
  const rFused = worst(targetSizes.flatMap((x) => keys.map((k) => (x.fused[k] ?? NaN) / x.forward)));
  const rFusedCpu = worst(targetSizes.flatMap((x) => keys.map((k) => (x.cpu.fused[k] ?? NaN) / x.cpu.forward)));
  const at256 = r.results.find((x) => x.size === 256);
  const rMem = at256 ? at256.mem.fused / at256.mem.forward : NaN;
  const rPull = worst(r.results.map((x) => x.pullback / x.forward));
  const rTorch = worst(r.results.map((x) => (x.torch ? x.fused.mask / x.torch.forward_vjp_ms : NaN)));
  const rFlops = least(r.results.map((x) => x.gflop / (x.forward / 1e3) / x.matmulGflops));
  const rFlopsB = least(r.results.map((x) => (2 * x.gflop) / (x.fused.mask / 1e3) / x.matmulGflops));
  const verdict = (ok: boolean, v: number, t: number) => (ok ? `met (${f2(v)})` : `**missed**: ${f2(v)} vs ${f2(t)} (${((v / t - 1) * 100).toFixed(0)}% over)`);
  if (targetSizes.length) {
    L.push(`- fused / forward <= 2.1 for every operator at 128 and 256 px, worst: wall time ${verdict(rFused <= 2.1, rFused, 2.1)}; CPU time ${verdict(rFusedCpu <= 2.1, rFusedCpu, 2.1)}`);
  }
  if (at256) L.push(`- peak RSS of the fused model <= 3x the forward's at 256 px: ${verdict(rMem <= 3, rMem, 3)}`);
  L.push(`- epsPullback / forward <= 2.3, worst size: ${verdict(rPull <= 2.3, rPull, 2.3)}`);
  if (Number.isFinite(rTorch)) L.push(`- forward + VJP (fused) / PyTorch forward + VJP <= 0.7, worst size: ${verdict(rTorch <= 0.7, rTorch, 0.7)}`);
  L.push(`- network GFLOP/s / MatMul GFLOP/s >= 0.7, worst size: forward ${rFlops >= 0.7 ? `met (${f2(rFlops)})` : `**missed** (${f2(rFlops)})`}, fused ${rFlopsB >= 0.7 ? `met (${f2(rFlopsB)})` : `**missed** (${f2(rFlopsB)})`}`);
  L.push('', '## Throughput and memory', '');
  L.push('GFLOP/s counts Conv/Gemm multiply-adds x 2 of the forward (`inspectModel`); forward + VJP is counted as 2x the forward (the input-gradient convolutions cost what the forward ones do; no weight gradients). Peak memory is the peak RSS (VmHWM) of a fresh process minus its RSS before creating its one session, after 3 runs.', '');
  L.push('| size | MatMul GFLOP/s | forward GFLOP/s | / MatMul | fused GFLOP/s | / MatMul | peak RSS forward (MiB) | peak RSS VJP model | peak RSS fused model | VJP / forward | fused / forward |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const x of r.results) {
    const gf = x.gflop / (x.forward / 1e3);
    const gb = (2 * x.gflop) / (x.fused.mask / 1e3);
    L.push(
      `| ${x.size}x${x.size} | ${x.matmulGflops.toFixed(1)} | ${gf.toFixed(1)} | **${f2(gf / x.matmulGflops)}** | ${gb.toFixed(1)} | **${f2(gb / x.matmulGflops)}** | ${mb(x.mem.forward)} | ${mb(x.mem.vjp)} | ${mb(x.mem.fused)} | ` +
        `${f2(x.mem.vjp / x.mem.forward)} | ${f2(x.mem.fused / x.mem.forward)} |`,
    );
  }
  L.push('', `## Session options (${r.sweepSize}x${r.sweepSize}, fused = mask operator)`, '');
  L.push('| options | forward | fused | fused / forward |', '|---|---:|---:|---:|');
  for (const s of r.sweep) L.push(`| ${s.name} | ${f1(s.forward)} | ${f1(s.fused)} | ${f2(s.fused / s.forward)} |`);
  if (r.profiles.length) L.push('', ...profileSection(r.profiles));
  L.push('');
  const out = path.join(HERE, 'results/prior.md');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, L.join('\n'));
  console.log(`wrote ${path.relative(ROOT, out)}`);
}

if (process.argv[2] === '--mem') {
  childMemory(process.argv[3]).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
} else {
  (process.argv.includes('--profile') ? profileOnly() : main()).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}

