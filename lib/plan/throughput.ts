/**
 * Measured speeds of one backend ('server', 'browser-wasm', 'browser-webgpu'), the data the
 * plan's estimate is priced with (`estimate.ts`). Plain JSON, so the server keeps it in its data
 * folder, the CLI reads the same file and the editor keeps the browser's own in localStorage.
 *
 * Where the numbers come from:
 * - a short calibration (nodes/calibrate.ts): the prior's network calls (plain forward, fused
 *   forward + VJP, forward + separate VJP) at a few sizes, each operator's A + A^T, proximal
 *   step and pseudo-inverse, the sampler's work per step outside the network, and how long opening a model takes;
 * - finished runs (`learnFromRun` in estimate.ts): every node's real seconds. A sampler's ratio
 *   real / priced becomes a correction for that model and size (the machine's load drifts);
 *   other node types keep their own seconds.
 *
 * Sizes never measured are scaled from the nearest measured one (network calls by FLOPs,
 * everything else by pixels), so a table calibrated at 64/128/256 px prices any size.
 *
 * @example
 * const t = new Throughput(data ?? emptyThroughput('server'));
 * t.recordNetwork('default', 64 * 64, 1.15e9, { forward: 0.009, fused: 0.022, pullback: 0.029 });
 * t.network('default', 128 * 128, 4.6e9); // { forward: 0.036, ... } scaled by FLOPs
 */
import { z } from 'zod';

/**
 * The operator task the calibration (nodes/calibrate.ts) restores: the sessions it leaves open
 * are this task's, at the calibrated sizes.
 */
export const CALIBRATION_TASK = 'inpaint-random';

/** Seconds of one network call of each kind. */
export interface NetworkSeconds {
  /** A plain forward (eps). */
  forward: number;
  /** D, the loss and its gradient in one fused model (SPGD's guidance with an operator that has an ONNX form). */
  fused: number;
  /** A forward, then the separate VJP model (DPS, and guidance that cannot be fused). */
  pullback: number;
}

const point = z.object({ pixels: z.number().positive(), seconds: z.number().nonnegative() });
const networkPoint = z.object({
  pixels: z.number().positive(),
  flops: z.number().nonnegative(),
  forward: z.number().nonnegative(),
  fused: z.number().nonnegative(),
  pullback: z.number().nonnegative(),
});
const correctionEntry = z.object({ ratio: z.number().positive(), runs: z.number().int().nonnegative() });

/** Bumped when a field's meaning changes: a stored table of another version is measured again. */
export const THROUGHPUT_VERSION = 2;

/** The kinds of network session a sampler compiles for a new task or size. */
export type SessionKind = 'forward' | 'fused' | 'pullback';

export const throughputData = z.object({
  version: z.literal(THROUGHPUT_VERSION),
  backend: z.string().min(1),
  /** When the calibration ran (ms since epoch; 0 = never). */
  calibratedAt: z.number().default(0),
  /** What was calibrated (e.g. the app and ONNX Runtime versions, thread count): a change calibrates again. */
  fingerprint: z.string().default(''),
  network: z.record(z.string(), z.array(networkPoint)).default({}),
  /** Per operator task: one A + A^T, one proximal step (DiffPIR's data step), one A^+ (DDNM+). */
  operatorApply: z.record(z.string(), z.array(point)).default({}),
  operatorProx: z.record(z.string(), z.array(point)).default({}),
  operatorPinv: z.record(z.string(), z.array(point)).default({}),
  /** The sampler's own work per outer step (diagnostics, metrics of D, snapshots). */
  stepOverhead: z.array(point).default([]),
  /** One image-sized draw of standard normals from the seeded generator (DAPS's Langevin noise). */
  noiseDraw: z.array(point).default([]),
  /** Per node type (not samplers): its seconds in finished runs. */
  nodes: z.record(z.string(), z.array(point)).default({}),
  /** Seconds to open a model (read it, create its forward session), by model. */
  load: z.record(z.string(), z.number().nonnegative()).default({}),
  /**
   * The first call's extra seconds of a session kind at a new operator task or size (compiling
   * and planning that session), by "model|kind": an SPGD run compiles its fused model only, DPS
   * its VJP model, DDIM-like samplers a forward at the new size.
   */
  compile: z.record(z.string(), z.number().nonnegative()).default({}),
  /** Model downloads (the browser): bytes per second. */
  downloadBytesPerSecond: z.number().positive().optional(),
  /** real / priced for sampler nodes, by "model@pixels" and per model over all sizes ("model@*"). */
  correction: z.record(z.string(), correctionEntry).default({}),
});
export type ThroughputData = z.infer<typeof throughputData>;

export function emptyThroughput(backend: string): ThroughputData {
  return throughputData.parse({ version: THROUGHPUT_VERSION, backend });
}

/** A model whose forward costs fewer FLOPs than this is no network to borrow a FLOP rate from. */
const MIN_NETWORK_FLOPS = 1e8;
/** Weight of the newest run in a learned value (the machine's speed drifts with its load). */
const LEARN_RATE = 0.5;
/** Corrections are kept within this factor of 1 (one odd run must not wreck the next estimate). */
const MAX_CORRECTION = 8;

type Point = z.infer<typeof point>;

/** `rec[key]`, or undefined when the record has no such key (its index type does not say so). */
function entry<T>(rec: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}

/** The value at `pixels` from measured points: exact, interpolated (log-log) between two, or scaled linearly from the nearest. */
function interpolate(points: readonly Point[], pixels: number): number | undefined {
  if (points.length === 0) return undefined;
  const sorted = [...points].sort((a, b) => a.pixels - b.pixels);
  const exact = sorted.find((p) => p.pixels === pixels);
  if (exact) return exact.seconds;
  const hi = sorted.find((p) => p.pixels > pixels);
  const lo = [...sorted].reverse().find((p) => p.pixels < pixels);
  if (lo && hi && lo.seconds > 0 && hi.seconds > 0) {
    const t = Math.log(pixels / lo.pixels) / Math.log(hi.pixels / lo.pixels);
    return Math.exp(Math.log(lo.seconds) + t * (Math.log(hi.seconds) - Math.log(lo.seconds)));
  }
  const near = lo ?? hi;
  return near ? (near.seconds * pixels) / near.pixels : undefined;
}

/** Replaces the point at `pixels` (or adds it), blending with what was there when `blend` < 1. */
function upsert(points: Point[], pixels: number, seconds: number, blend = 1): Point[] {
  const old = points.find((p) => p.pixels === pixels);
  const value = old ? old.seconds + blend * (seconds - old.seconds) : seconds;
  return [...points.filter((p) => p.pixels !== pixels), { pixels, seconds: value }];
}

export class Throughput {
  readonly data: ThroughputData;

  constructor(data: ThroughputData) {
    this.data = structuredClone(data);
  }

  get backend(): string {
    return this.data.backend;
  }

  /** True once the network calls of some model were measured on this backend. */
  get calibrated(): boolean {
    return Object.values(this.data.network).some((pts) => pts.length > 0);
  }

  /**
   * Seconds per network call of `model` at `pixels` (whose forward costs `flops`): measured,
   * or scaled by FLOPs from the nearest measured size; a model never measured here is priced
   * at the FLOP rate of the models that were. Undefined when nothing was measured.
   */
  network(model: string, pixels: number, flops: number): NetworkSeconds | undefined {
    const own = entry(this.data.network, model);
    // Another model's FLOP rate only from real networks: an analytic prior's few FLOPs take
    // mostly fixed overhead, and scaling that by FLOPs prices a network absurdly.
    const pts = own?.length ? own : Object.values(this.data.network).flat().filter((p) => p.flops >= MIN_NETWORK_FLOPS);
    if (pts.length === 0) return undefined;
    const exact = own?.find((p) => p.pixels === pixels);
    if (exact) return { forward: exact.forward, fused: exact.fused, pullback: exact.pullback };
    if (own?.length) {
      const kinds = ['forward', 'fused', 'pullback'] as const;
      const [forward, fused, pullback] = kinds.map((k) => interpolate(own.map((p) => ({ pixels: p.pixels, seconds: p[k] })), pixels) ?? 0);
      // Beyond the measured sizes, FLOPs scale better than pixels (the network's cost per pixel is fixed).
      const inside = own.some((p) => p.pixels < pixels) && own.some((p) => p.pixels > pixels);
      if (inside || flops <= 0) return { forward, fused, pullback };
    }
    // The measured point of closest size, scaled by FLOPs.
    const near = [...pts].sort((a, b) => Math.abs(Math.log(a.pixels / pixels)) - Math.abs(Math.log(b.pixels / pixels)))[0];
    const scale = flops > 0 && near.flops > 0 ? flops / near.flops : pixels / near.pixels;
    return { forward: near.forward * scale, fused: near.fused * scale, pullback: near.pullback * scale };
  }

  operatorApply(task: string, pixels: number): number | undefined {
    return interpolate(entry(this.data.operatorApply, task) ?? [], pixels);
  }

  operatorProx(task: string, pixels: number): number | undefined {
    return interpolate(entry(this.data.operatorProx, task) ?? [], pixels);
  }

  operatorPinv(task: string, pixels: number): number | undefined {
    return interpolate(entry(this.data.operatorPinv, task) ?? [], pixels);
  }

  stepOverhead(pixels: number): number | undefined {
    return interpolate(this.data.stepOverhead, pixels);
  }

  noiseDraw(pixels: number): number | undefined {
    return interpolate(this.data.noiseDraw, pixels);
  }

  /** Seconds of a (non-sampler) node type in a plan whose images have `pixels`, from earlier runs. */
  node(type: string, pixels: number): number | undefined {
    return interpolate(entry(this.data.nodes, type) ?? [], pixels);
  }

  load(model: string): number | undefined {
    return entry(this.data.load, model);
  }

  /** Compiling a session of this kind for a new task and size. */
  compile(model: string, kind: SessionKind): number | undefined {
    return entry(this.data.compile, `${model}|${kind}`);
  }

  /**
   * real / priced of sampler nodes: for this model and size when runs gave one, else over this
   * model's runs at any size, else 1. Never another model's: a small analytic prior's runs are
   * mostly fixed overhead, and their ratio says nothing of a network's.
   */
  correction(model: string | null, pixels: number): number {
    if (model === null) return 1;
    const c = this.data.correction;
    return entry(c, `${model}@${pixels}`)?.ratio ?? entry(c, `${model}@*`)?.ratio ?? 1;
  }

  // ------------------------------------------------------------------ recording

  recordNetwork(model: string, pixels: number, flops: number, s: NetworkSeconds): void {
    const pts = (entry(this.data.network, model) ?? []).filter((p) => p.pixels !== pixels);
    this.data.network[model] = [...pts, { pixels, flops, ...s }];
    // A new calibration supersedes corrections learnt against the old one.
    this.data.correction = Object.fromEntries(Object.entries(this.data.correction).filter(([key]) => !key.startsWith(`${model}@`)));
  }

  recordOperator(task: string, pixels: number, applySeconds: number, proxSeconds?: number, pinvSeconds?: number): void {
    this.data.operatorApply[task] = upsert(entry(this.data.operatorApply, task) ?? [], pixels, applySeconds);
    if (proxSeconds !== undefined) this.data.operatorProx[task] = upsert(entry(this.data.operatorProx, task) ?? [], pixels, proxSeconds);
    if (pinvSeconds !== undefined) this.data.operatorPinv[task] = upsert(entry(this.data.operatorPinv, task) ?? [], pixels, pinvSeconds);
  }

  recordStepOverhead(pixels: number, seconds: number): void {
    this.data.stepOverhead = upsert(this.data.stepOverhead, pixels, Math.max(0, seconds));
  }

  recordNoiseDraw(pixels: number, seconds: number): void {
    this.data.noiseDraw = upsert(this.data.noiseDraw, pixels, seconds);
  }

  recordLoad(model: string, seconds: number): void {
    const old = entry(this.data.load, model);
    this.data.load[model] = old === undefined ? seconds : old + LEARN_RATE * (seconds - old);
  }

  recordCompile(model: string, kind: SessionKind, seconds: number): void {
    this.data.compile[`${model}|${kind}`] = seconds;
  }

  recordDownload(bytes: number, seconds: number): void {
    if (bytes <= 0 || seconds <= 0) return;
    const rate = bytes / seconds;
    const old = this.data.downloadBytesPerSecond;
    this.data.downloadBytesPerSecond = old === undefined ? rate : old + LEARN_RATE * (rate - old);
  }

  /** A non-sampler node's real seconds in a finished run (blended with earlier runs). */
  learnNode(type: string, pixels: number, seconds: number): void {
    this.data.nodes[type] = upsert(entry(this.data.nodes, type) ?? [], pixels, Math.max(0, seconds), LEARN_RATE);
  }

  /** A sampler node's real seconds / its seconds priced without correction, in a finished run. */
  learnSampler(model: string | null, pixels: number, ratio: number): void {
    if (!Number.isFinite(ratio) || ratio <= 0) return;
    const r = Math.min(MAX_CORRECTION, Math.max(1 / MAX_CORRECTION, ratio));
    const blend = (key: string) => {
      const old = entry(this.data.correction, key);
      // Ratios blend geometrically: 2x too slow and 2x too fast cancel.
      const next = old ? Math.exp(Math.log(old.ratio) + LEARN_RATE * (Math.log(r) - Math.log(old.ratio))) : r;
      this.data.correction[key] = { ratio: next, runs: (old?.runs ?? 0) + 1 };
    };
    if (model === null) return;
    blend(`${model}@${pixels}`);
    blend(`${model}@*`);
  }

  toJSON(): ThroughputData {
    return structuredClone(this.data);
  }
}


/** Parses stored throughput data; null when it is missing, unreadable or of another backend. */
export function readThroughput(json: unknown, backend: string): Throughput | null {
  const r = throughputData.safeParse(json);
  if (!r.success || r.data.backend !== backend) return null;
  return new Throughput(r.data);
}
