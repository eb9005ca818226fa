/**
 * ONNX protobuf codecs compared: the hand-written one the engine uses (`lib/onnx/proto.ts`)
 * against protobufjs with a reflection schema of the same onnx.proto subset
 * (`bench/support/onnx-protobufjs.ts`), on identical work: bytes -> `OnnxModel` (typed arrays)
 * and back.
 *
 * Models: the shipped prior (public/models/spgd-prior-v1.onnx, 13 MiB) and a ~100 MiB model made
 * here (the prior's graph 8 times over, every name suffixed; written to the OS temp folder and
 * deleted at the end). Both decoders must give the same model, and both encodings must decode
 * back to it, before anything is timed.
 *
 * Time, warm: median of interleaved in-process rounds (decode and encode of both codecs
 * alternate, so drifting load hits all alike). Time, fresh, and peak memory: one call in a fresh
 * child process per (model, codec, direction), as when a model is loaded; peak = VmHWM (reset
 * through /proc/self/clear_refs just before the call) minus the RSS at the reset.
 *
 *   npm run bench:protobuf          (writes bench/results/protobuf.md)
 *   env: PROTOBUF_BENCH_COPIES=8 (copies of the prior in the large model)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeModel, encodeModel, type OnnxModel } from '../lib/onnx/proto';
import { decodeWithProtobufjs, encodeWithProtobufjs } from './support/onnx-protobufjs';
import { median } from './support/stats';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);
const PRIOR = path.join(ROOT, 'public/models/spgd-prior-v1.onnx');
const COPIES = Number(process.env.PROTOBUF_BENCH_COPIES ?? 8);

const CODECS = {
  'hand-written (lib/onnx/proto.ts)': { decode: decodeModel, encode: encodeModel },
  'protobufjs 7 (reflection)': { decode: decodeWithProtobufjs, encode: encodeWithProtobufjs },
} as const;
type CodecName = keyof typeof CODECS;
type Direction = 'decode' | 'encode';

const gc = () => (globalThis as { gc?: () => void }).gc?.();
const mib = (b: number) => b / 2 ** 20;

/** The prior's graph `copies` times over in one model (names suffixed), ~13 MiB per copy. */
function tiled(bytes: Uint8Array, copies: number): Uint8Array {
  const m = decodeModel(bytes);
  const g = m.graph;
  const graph = { ...g, nodes: [] as typeof g.nodes, initializers: [] as typeof g.initializers, inputs: [] as typeof g.inputs, outputs: [] as typeof g.outputs, valueInfo: [] };
  for (let k = 0; k < copies; k++) {
    const r = (v: string) => (v ? `${v}_${k}` : v);
    graph.nodes.push(...g.nodes.map((n) => ({ ...n, name: r(n.name), inputs: n.inputs.map(r), outputs: n.outputs.map(r) })));
    graph.initializers.push(...g.initializers.map((t) => ({ ...t, name: r(t.name), data: t.data.slice() })));
    graph.inputs.push(...g.inputs.map((v) => ({ ...v, name: r(v.name) })));
    graph.outputs.push(...g.outputs.map((v) => ({ ...v, name: r(v.name) })));
  }
  return encodeModel({ ...m, graph });
}

/** Same structure and the same tensor contents (element by element). */
function sameModel(a: OnnxModel, b: OnnxModel): string | null {
  const strip = (m: OnnxModel): string => JSON.stringify({ ...m, graph: { ...m.graph, initializers: m.graph.initializers.map((t) => [t.name, t.dataType, t.dims]) } }, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : ArrayBuffer.isView(v) ? Array.from(v as Float32Array, String) : v));
  if (strip(a) !== strip(b)) return 'structure differs';
  for (let i = 0; i < a.graph.initializers.length; i++) {
    const x = a.graph.initializers[i].data as ArrayLike<unknown>;
    const y = b.graph.initializers[i].data as ArrayLike<unknown>;
    if (x.length !== y.length) return `initializer ${i}: length`;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j] && !(Number.isNaN(x[j]) && Number.isNaN(y[j]))) return `initializer ${a.graph.initializers[i].name}[${j}]`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Child mode: peak RSS of one call in a fresh process

function vmHwm(): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;
}

async function childMemory(file: string, codec: CodecName, dir: Direction): Promise<void> {
  // The file's Buffer as is (a copy would leave a file-sized garbage buffer that the OS may
  // get back in the middle of the measured call).
  const bytes = readFileSync(file);
  // Encoding starts from a decoded model (the same one for both codecs).
  const model = dir === 'encode' ? decodeModel(bytes) : null;
  // Let the collector hand freed memory back first: RSS keeps falling for a while after gc().
  gc();
  await new Promise((r) => setTimeout(r, 300));
  gc();
  writeFileSync('/proc/self/clear_refs', '5'); // resets VmHWM to the current RSS
  const base = vmHwm();
  const t0 = performance.now();
  const out = dir === 'decode' ? CODECS[codec].decode(bytes) : CODECS[codec].encode(model!);
  const ms = performance.now() - t0;
  const peak = vmHwm();
  process.stdout.write(JSON.stringify({ ms, peakDelta: peak - base, keep: typeof out }) + '\n');
}

/** Medians over `n` fresh processes of one call's time and peak RSS growth. */
function freshProcess(file: string, codec: CodecName, dir: Direction, n: number): { ms: number; peak: number } {
  const runs: { ms: number; peakDelta: number }[] = [];
  for (let i = 0; i < n; i++) {
    const r = spawnSync(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), '--mem', file, codec, dir], { encoding: 'utf8' });
    try {
      runs.push(JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { ms: number; peakDelta: number });
    } catch {
      console.error(`fresh-process probe failed: ${r.stderr.slice(-500)}`);
    }
  }
  return { ms: median(runs.map((r) => r.ms)), peak: median(runs.map((r) => r.peakDelta)) };
}

// ---------------------------------------------------------------------------------------------

interface Cell {
  /** Median ms in interleaved in-process rounds (warm JIT and heap). */
  warm: number;
  /** Median ms of the one call in a fresh process (cold JIT, small heap: loading a model). */
  fresh: number;
  /** Median peak RSS growth of that call, bytes. */
  peak: number;
}

interface Result {
  model: string;
  mib: number;
  nodes: number;
  tensors: number;
  cells: Record<string, Cell>;
}

const key = (c: string, dir: Direction) => `${c}|${dir}`;

function bench(name: string, file: string, reps: number, freshRuns: number): Result {
  const bytes = readFileSync(file);
  const ref = decodeModel(bytes);
  for (const [c, codec] of Object.entries(CODECS)) {
    const problem = sameModel(ref, codec.decode(bytes)) ?? sameModel(ref, decodeModel(codec.encode(ref)));
    if (problem) throw new Error(`${c} disagrees with the reference on ${name}: ${problem}`);
  }
  const fns: Record<string, () => unknown> = {};
  for (const [c, codec] of Object.entries(CODECS)) {
    fns[key(c, 'decode')] = () => codec.decode(bytes);
    fns[key(c, 'encode')] = () => codec.encode(ref);
  }
  const ts: Record<string, number[]> = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let r = -2; r < reps; r++) {
    for (const [k, fn] of Object.entries(fns)) {
      const t0 = performance.now();
      fn();
      if (r >= 0) ts[k].push(performance.now() - t0);
    }
  }
  const cells: Record<string, Cell> = {};
  for (const c of Object.keys(CODECS)) {
    for (const dir of ['decode', 'encode'] as const) {
      const f = freshProcess(file, c as CodecName, dir, freshRuns);
      cells[key(c, dir)] = { warm: median(ts[key(c, dir)]), fresh: f.ms, peak: f.peak };
    }
  }
  const res = { model: name, mib: mib(bytes.length), nodes: ref.graph.nodes.length, tensors: ref.graph.initializers.length, cells };
  console.log(JSON.stringify(res));
  return res;
}

function main(): void {
  const started = new Date();
  const tmp = path.join(os.tmpdir(), `spgd-protobuf-bench-${process.pid}`);
  mkdirSync(tmp, { recursive: true });
  const large = path.join(tmp, 'large.onnx');
  writeFileSync(large, tiled(new Uint8Array(readFileSync(PRIOR)), COPIES));
  const results = [bench('shipped prior (spgd-prior-v1.onnx)', PRIOR, 15, 5), bench(`the prior x ${COPIES} (made here)`, large, 7, 3)];
  rmSync(tmp, { recursive: true, force: true });
  writeReport(started, results);
}

function writeReport(started: Date, results: Result[]): void {
  const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
  const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '-');
  const pkg = (p: string) => (JSON.parse(readFileSync(path.join(ROOT, 'node_modules', p, 'package.json'), 'utf8')) as { version: string }).version;
  const L: string[] = ['# ONNX protobuf codecs: hand-written vs protobufjs', ''];
  L.push(`- date ${started.toISOString()}; machine: ${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores (${os.platform()} ${os.arch()}), ${mib(os.totalmem()).toFixed(0)} MiB; load average ${os.loadavg().map((v) => v.toFixed(2)).join(' / ')} at the end (the box is shared)`);
  L.push(`- node ${process.version}; protobufjs ${pkg('protobufjs')} (reflection from a JSON schema of the onnx.proto subset the compiler reads, \`bench/support/onnx-protobufjs.ts\`)`);
  L.push('- both sides do the same work: bytes -> `OnnxModel` with typed-array tensors (raw_data copied into an aligned buffer), and `OnnxModel` -> bytes (tensors as raw_data); the bench checks that both decoders give identical models and that both encodings decode back to them');
  L.push('- "warm": median of interleaved in-process rounds after 2 warm-up rounds (15 rounds for the prior, 7 for the large model); "fresh": the one call in a fresh process (cold JIT and heap, as when a model is loaded; median of 5 processes for the prior, 3 for the large model); peak: the RSS growth during that call (VmHWM, reset through /proc/self/clear_refs just before it; the file bytes, and for encoding the decoded model, are already in memory)');
  L.push('- `npm run bench:protobuf`', '');
  L.push('| model | file MiB | nodes | tensors | codec | decode ms warm | decode ms fresh | encode ms warm | encode ms fresh | decode peak MiB | encode peak MiB |');
  L.push('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|');
  for (const r of results) {
    for (const c of Object.keys(CODECS)) {
      const d = r.cells[key(c, 'decode')];
      const e = r.cells[key(c, 'encode')];
      L.push(`| ${r.model} | ${r.mib.toFixed(1)} | ${r.nodes} | ${r.tensors} | ${c} | ${f1(d.warm)} | ${f1(d.fresh)} | ${f1(e.warm)} | ${f1(e.fresh)} | ${f1(mib(d.peak))} | ${f1(mib(e.peak))} |`);
    }
  }
  const [hand, pbjs] = Object.keys(CODECS);
  L.push('', 'Hand-written / protobufjs (below 1: the hand-written codec is faster or smaller):', '');
  let worst = 0;
  for (const r of results) {
    const ratio = (dir: Direction, k: keyof Cell) => {
      const v = r.cells[key(hand, dir)][k] / r.cells[key(pbjs, dir)][k];
      worst = Math.max(worst, v);
      return f2(v);
    };
    L.push(`- ${r.model}: decode time ${ratio('decode', 'warm')} warm, ${ratio('decode', 'fresh')} fresh, peak ${ratio('decode', 'peak')}; encode time ${ratio('encode', 'warm')} warm, ${ratio('encode', 'fresh')} fresh, peak ${ratio('encode', 'peak')}`);
  }
  L.push('');
  L.push(
    'The engine keeps the hand-written codec (`lib/onnx/proto.ts`): it runs in the browser without a schema or code generation and reads int64 as numbers/BigInt without `Long`; ' +
      (worst <= 1 ? 'it is also faster and smaller in every cell above. ' : `in this run it is not ahead everywhere (worst ratio ${f2(worst)}). `) +
      'protobufjs is a dev dependency for this comparison only (onnxruntime-web brings it in anyway).',
  );
  L.push('');
  const out = path.join(HERE, 'results/protobuf.md');
  if (!existsSync(path.dirname(out))) mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, L.join('\n'));
  console.log(`wrote ${path.relative(ROOT, out)}`);
}

if (process.argv[2] === '--mem') void childMemory(process.argv[3], process.argv[4] as CodecName, process.argv[5] as Direction);
else main();
