/**
 * The plan's time and memory estimate. Time is priced per plan step with the measured speeds of
 * the backend it runs on (`Throughput`, throughput.ts); a backend never calibrated falls back to
 * the prior's FLOPs at a nominal rate.
 *
 *   sampler   (plain forwards x t_forward + VJP calls x (t_fused or t_pullback + t_operator)
 *              + proximal steps x t_prox + pseudo-inverses x t_pinv + operator round trips
 *              x t_operator + outer steps x t_step) x correction(model, size); K samples
 *              count K times (their steps and calls are the plan's)
 *   other     its seconds in earlier runs on this backend (else a small default by image size)
 *   cached    0 (its outputs are reused)
 *   cold      + opening the model and compiling its gradient models (an open model: compiling
 *             only), + its download (browser)
 *
 *   memory    per step: a sampler's captured snapshots and its K chains' working tensors, plus
 *             the activations a VJP keeps for each image of a batched call (lockstep chains); any other node NODE_BYTES + 4 bytes x the elements it reads (a decoded
 *             source at its real size) and writes (its outputs); plus each model's weights once
 *             (twice when a gradient model is compiled)
 *
 * Every step carries its share (`PlanStep.estimate`), so the server's limits (server/run-limits.ts)
 * can name the node that costs most.
 *
 * The same function prices a plan on the server (graph.compile, run.start), in the CLI
 * (`--json` estimateSeconds) and in the editor (browser runs, with the tab's own speeds), and
 * `learnFromRun` feeds finished runs back into the table.
 */
import { chainsOf, lockstepBatch } from '../samplers/ensemble';
import type { Nfe } from '../samplers/types';
import type { PriorReport, SamplerContribution } from './node-run';
import type { SessionKind, Throughput } from './throughput';
import type { Plan, PlanStep } from './types';

/**
 * Nominal network throughput when nothing was measured: onnxruntime-node on the reference 2-core
 * machine ran the shipped prior's forward at 137-161 GFLOP/s from 64 to 256 px on a quiet box
 * (bench/results/prior.md as of 036084c, 2026-11-26), well below the convolution peak because its
 * layers are thin. Later runs on the shared box read lower together with their MatMul roofline.
 */
export const DEFAULT_FLOPS_PER_SECOND = 150e9;
/**
 * Uncalibrated: a fused forward+VJP call costs this many plain forwards (measured 2.48-2.53 on
 * 2026-11-26; 2.13-2.31 in CPU time after the GroupNorm gradient change, bench/results/prior.md)...
 */
export const VJP_COST = 2.5;
/** ...and a forward followed by the separate VJP model this many (measured 3.30-3.49). */
export const PULLBACK_COST = 3.4;
/** Fallback network density (the shipped prior: 1.15 GFLOP at 64x64) when no report is available. */
const FALLBACK_FLOPS_PER_PIXEL = 1_150_384_128 / (64 * 64);
/** Uncalibrated: a node outside the network takes this long per megapixel of the plan's images, plus a fixed part. */
const DEFAULT_NODE_SECONDS_PER_MPX = 0.25;
const DEFAULT_NODE_SECONDS = 0.002;
/** Uncalibrated: the sampler's own work per outer step, per megapixel. */
const DEFAULT_STEP_SECONDS_PER_MPX = 0.3;
/** An image-sized normal draw, per megapixel (3 channels), until one was measured (~0.15 s on the 2-core reference box). */
const DEFAULT_NOISE_SECONDS_PER_MPX = 0.15;
/** Heuristic FLOPs per kept activation element (3x3 convolutions over ~8-16 channels). */
const FLOPS_PER_ACTIVATION = 150;
/** Snapshot tensors kept per captured sampler step (x, D, g, momentum, residual), ~11 captured steps. */
const SNAPSHOT_TENSORS = 5 * 11;

/** A sampler as the compiler found it: its contribution, the prior it runs and what is known of that prior. */
export interface PricedSampler {
  contribution: SamplerContribution;
  /** The prior it runs (null: none). */
  model: string | null;
  report?: PriorReport;
}

/** FLOPs of one plain forward of the sampler's prior at its size. */
export function forwardFlops(s: PricedSampler): number {
  const { height, width } = s.contribution;
  if (s.model === null) return 0;
  if (s.report && s.report.flops > 0) return s.report.flops;
  return s.model === 'gaussian' ? 10 * 3 * height * width : FALLBACK_FLOPS_PER_PIXEL * height * width;
}

/** What the backend knows when a plan is priced. */
export interface EstimateContext {
  /** Measured speeds of the backend the plan runs on; absent or empty: FLOP-rate defaults. */
  throughput?: Throughput;
  /** Whether a node's outputs (by content key) are cached: such a node costs nothing. */
  cached?: (key: string) => boolean;
  /** Whether the model's sessions for this operator task and size are open already (absent: assume warm). */
  warm?: (model: string, task: string | undefined, pixels: number) => boolean;
  /**
   * Whether the model itself is open (absent: assume not): cold sessions of an open model cost
   * their compilation only, not the model's whole opening.
   */
  isOpen?: (model: string) => boolean;
  /** Bytes of the model still to download before it can open (the browser; absent or 0: none). */
  downloadBytes?: (model: string) => number;
}

export interface TimeEstimate {
  seconds: number;
  /** Seconds per plan step (node id), after the correction. */
  steps: Record<string, number>;
  /** Opening models and compiling their gradients (cold start), and downloading them. */
  load: number;
  download: number;
}

/** Seconds of one sampler step before the learnt correction, and the network-call split of them. */
export function samplerSeconds(sampler: NonNullable<PlanStep['sampler']>, t: Throughput | undefined): number {
  const pixels = sampler.height * sampler.width;
  const mpx = pixels / 1e6;
  const net = sampler.model === null ? undefined : t?.network(sampler.model, pixels, sampler.flops);
  const fwd = net?.forward ?? sampler.flops / DEFAULT_FLOPS_PER_SECOND;
  const perVjp = sampler.guidance === 'pullback' ? (net?.pullback ?? PULLBACK_COST * fwd) : (net?.fused ?? VJP_COST * fwd);
  const { forward, vjp } = sampler.nfe;
  const task = sampler.task;
  // The operator's share of a guidance call: its A and A^T around (or inside) the network call.
  const operator = task !== undefined && vjp > 0 ? (t?.operatorApply(task, pixels) ?? 0) : 0;
  const prox = task !== undefined && sampler.proxSteps ? sampler.proxSteps * (t?.operatorProx(task, pixels) ?? 0) : 0;
  const apply = task !== undefined && sampler.applySteps ? sampler.applySteps * (t?.operatorApply(task, pixels) ?? 0) : 0;
  // An operator without a pseudo-inverse of its own solves for it like a proximal step.
  const pinv = task !== undefined && sampler.pinvSteps ? sampler.pinvSteps * (t?.operatorPinv(task, pixels) ?? t?.operatorProx(task, pixels) ?? 0) : 0;
  const overhead = sampler.steps * (t?.stepOverhead(pixels) ?? DEFAULT_STEP_SECONDS_PER_MPX * mpx);
  const noise = (sampler.noiseDraws ?? 0) * (t?.noiseDraw(pixels) ?? DEFAULT_NOISE_SECONDS_PER_MPX * mpx);
  return (forward - vjp) * fwd + vjp * (perVjp + operator) + prox + apply + pinv + overhead + noise;
}

/** Pixels of the plan's largest sampler image (the scale of its other nodes), 64x64 without one. */
function planPixels(plan: Pick<Plan, 'steps'>): number {
  const px = plan.steps.flatMap((s) => (s.sampler ? [s.sampler.height * s.sampler.width] : []));
  return px.length ? Math.max(...px) : 64 * 64;
}

/** Seconds of a node that calls no network, before any correction. */
function nodeSeconds(type: string, pixels: number, t: Throughput | undefined): number {
  return t?.node(type, pixels) ?? DEFAULT_NODE_SECONDS + (DEFAULT_NODE_SECONDS_PER_MPX * pixels) / 1e6;
}

/** Bytes of the activations a forward+VJP call of a network with these FLOPs keeps (a heuristic). */
export function activationBytes(flops: number): number {
  return (4 * flops) / FLOPS_PER_ACTIVATION;
}

/**
 * Bytes a sampler holds while it runs (its model's weights aside): chain 0's snapshots, every
 * chain's working tensors (K chains run at once, in lockstep), and a VJP's activations for each
 * image of a batched call (`lockstepBatch`).
 */
export function samplerBytes(s: PricedSampler): number {
  const c = s.contribution;
  const chains = chainsOf(c.params);
  let bytes = 3 * c.height * c.width * 4 * (SNAPSHOT_TENSORS + 12 * chains);
  if (c.nfe.vjp > 0) bytes += (s.report?.activationBytes ?? activationBytes(forwardFlops(s))) * Math.min(chains, lockstepBatch(c.height * c.width));
  return bytes;
}

/** Fixed memory of any node outside a sampler: its outputs' records, the cache entry, the run's bookkeeping. */
const NODE_BYTES = 64 * 2 ** 10;

/**
 * Bytes a node without a network holds: `read` float elements it loads from outside (a decoded
 * image at its real size), `written` the elements of its outputs.
 */
export function dataNodeBytes(read: number, written: number): number {
  return NODE_BYTES + 4 * (read + written);
}

/** Megabytes to 0.1, as estimates show them. */
export function toMB(bytes: number): number {
  return round(bytes / 2 ** 20, 1);
}

/** The session kind a sampler step compiles at a new task or size. */
function sessionKind(s: NonNullable<PlanStep['sampler']>): SessionKind {
  return s.nfe.vjp > 0 ? s.guidance : 'forward';
}

/** Seconds a sampler's cold start adds: opening its model (when `opening`) and compiling its session. */
function coldStartSeconds(t: Throughput | undefined, model: string, s: NonNullable<PlanStep['sampler']>, opening: boolean): number {
  return (opening ? (t?.load(model) ?? 0) : 0) + (t?.compile(model, sessionKind(s)) ?? 0);
}

/** Prices every step of a plan on one backend. */
export function estimateTime(plan: Pick<Plan, 'steps'>, ctx: EstimateContext = {}): TimeEstimate {
  const t = ctx.throughput;
  const pixels = planPixels(plan);
  const steps: Record<string, number> = {};
  let load = 0;
  let download = 0;
  const opened = new Set<string>();
  for (const step of plan.steps) {
    if (ctx.cached?.(step.key)) {
      steps[step.node] = 0;
      continue;
    }
    const s = step.sampler;
    if (!s || s.model === null) {
      steps[step.node] = nodeSeconds(step.type, pixels, t);
      continue;
    }
    const px = s.height * s.width;
    steps[step.node] = samplerSeconds(s, t) * (t?.correction(s.model, px) ?? 1);
    const coldKey = `${s.model}|${s.task ?? ''}|${px}`;
    if (ctx.warm && !ctx.warm(s.model, s.task, px) && !opened.has(coldKey)) {
      // Each cold step compiles its session; the first one of a closed model opens the model too.
      const opening = !ctx.isOpen?.(s.model) && !opened.has(`open|${s.model}`);
      opened.add(coldKey);
      opened.add(`open|${s.model}`);
      load += coldStartSeconds(t, s.model, s, opening);
    }
    const bytes = ctx.downloadBytes?.(s.model) ?? 0;
    if (bytes > 0 && !opened.has(`download|${s.model}`)) {
      opened.add(`download|${s.model}`);
      download += bytes / (t?.data.downloadBytesPerSecond ?? 5e6);
    }
  }
  const seconds = Object.values(steps).reduce((a, b) => a + b, 0) + load + download;
  return { seconds: round(seconds, 3), steps, load: round(load, 3), download: round(download, 3) };
}

/**
 * NFE of all samplers together, and the memory the plan needs: the samplers', `otherBytes` (what
 * the plan's other nodes hold, `dataNodeBytes`) and each model's weights once.
 */
export function planNfeAndMemory(samplers: readonly PricedSampler[], otherBytes = 0): { nfe: Nfe; memoryMB: number } {
  const nfe: Nfe = { forward: 0, vjp: 0 };
  let bytes = otherBytes;
  const modelBytes = new Map<string, number>();
  for (const s of samplers) {
    const c = s.contribution;
    nfe.forward += c.nfe.forward;
    nfe.vjp += c.nfe.vjp;
    bytes += samplerBytes(s);
    if (s.model !== null) {
      const weights = 4 * (s.report?.parameters ?? 0) * (c.nfe.vjp > 0 ? 2 : 1);
      modelBytes.set(s.model, Math.max(modelBytes.get(s.model) ?? 0, weights));
    }
  }
  for (const b of modelBytes.values()) bytes += b;
  return { nfe, memoryMB: toMB(bytes) };
}

/** Whether a model's sessions for an operator task and size are open (EstimateContext `warm`). */
export type IsWarm = (model: string, task: string | undefined, pixels: number) => boolean;

/** The models of the plan's samplers whose sessions for their task and size are not open yet (those runs compile them). */
export function coldModels(plan: Pick<Plan, 'steps'>, isWarm: IsWarm): string[] {
  return plan.steps.flatMap((s) => {
    const c = s.sampler;
    return c?.model && !isWarm(c.model, c.task, c.height * c.width) ? [c.model] : [];
  });
}

/** Of the cold models, those not open at all (they pay the whole opening). */
export function closedModels(plan: Pick<Plan, 'steps'>, isWarm: IsWarm, isOpen: (model: string) => boolean): string[] {
  return coldModels(plan, isWarm).filter((m) => !isOpen(m));
}

/** What a finished run tells about its backend's speed. */
export interface RunTimings {
  /** Real seconds per node id that ran (nodes served from the cache are left out). */
  nodeSeconds: Record<string, number>;
  /** Nodes whose outputs came from the cache. */
  cached?: readonly string[];
  /** Models whose sessions were compiled during the run: their samplers' first calls are not steady-state. */
  coldModels?: readonly string[];
  /**
   * Of those, the models the run opened (absent: all of them). The others were open already and
   * only compiled sessions for a new task or size.
   */
  openedModels?: readonly string[];
}

/**
 * Feeds a finished run's real seconds back into the table: each sampler's real / priced ratio
 * becomes the correction for its model and size; every other node type keeps its seconds. In a
 * run that opened a model, its samplers' seconds are taken less the calibrated opening time,
 * and the node that opened it (its time is the opening) is left out.
 */
export function learnFromRun(t: Throughput, plan: Pick<Plan, 'steps'>, run: RunTimings): void {
  const pixels = planPixels(plan);
  const cached = new Set(run.cached ?? []);
  const cold = new Set(run.coldModels ?? []);
  const openedHere = run.openedModels ? new Set(run.openedModels) : cold;
  const opened = new Set<string>();
  for (const step of plan.steps) {
    const real = run.nodeSeconds[step.node] as number | undefined;
    if (real === undefined || cached.has(step.node)) continue;
    const s = step.sampler;
    if (!s || s.model === null) {
      // The Prior node of a cold run spent its time opening the model.
      if (cold.size === 0) t.learnNode(step.type, pixels, real);
      continue;
    }
    let steady = real;
    if (cold.has(s.model) && !opened.has(s.model)) {
      opened.add(s.model);
      steady -= coldStartSeconds(t, s.model, s, openedHere.has(s.model));
    }
    const priced = samplerSeconds(s, t);
    if (priced > 0 && steady > 0) t.learnSampler(s.model, s.height * s.width, steady / priced);
  }
}

export function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
