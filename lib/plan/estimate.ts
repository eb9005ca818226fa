/**
 * The plan's time and memory estimate, per step and in total. Every node costs something:
 *
 *   samplers    seconds = (plain forwards + VJP_COST x VJP calls) x FLOPs / FLOP/s, plus what any
 *                         node costs for the elements it writes (a sampler without a network, the
 *                         classical estimate, costs that much)
 *               memory  = captured snapshots and working tensors, plus the activations a VJP keeps
 *   other nodes seconds = NODE_SECONDS + SECONDS_PER_ELEMENT x elements read and written
 *               memory  = NODE_BYTES + 4 bytes x elements read (a decoded source) and written (outputs)
 *   the plan    the sum of its steps, plus each model's weights (twice when a gradient model is compiled)
 */
import type { Nfe } from '../samplers/types';
import type { PriorReport, SamplerContribution } from './node-run';
import type { Plan } from './types';

/**
 * Sustained network throughput of onnxruntime-node on the reference 2-core machine: the shipped
 * prior's forward runs at 137-161 GFLOP/s from 64 to 256 px (bench/results/prior.md), well below
 * the convolution peak because its layers are thin.
 */
const DEFAULT_FLOPS_PER_SECOND = 150e9;
/** A forward+VJP call (the fused guidance model) costs this many plain forwards (measured 2.48-2.53). */
const VJP_COST = 2.5;
/** Fallback network density (the shipped prior: 1.15 GFLOP at 64x64) when no report is available. */
const FALLBACK_FLOPS_PER_PIXEL = 1_150_384_128 / (64 * 64);
/** Heuristic FLOPs per kept activation element (3x3 convolutions over ~8-16 channels). */
const FLOPS_PER_ACTIVATION = 150;
/** Snapshot tensors kept per captured sampler step (x, D, g, momentum, residual), ~11 captured steps. */
const SNAPSHOT_TENSORS = 5 * 11;

export interface PricedSampler {
  contribution: SamplerContribution;
  /** The prior it runs (null: none). */
  model: string | null;
  report?: PriorReport;
  flopsPerSecond?: number;
}

function forwardFlops(s: PricedSampler): number {
  const { height, width } = s.contribution;
  if (s.model === null) return 0;
  if (s.report) return s.report.flops;
  return s.model === 'gaussian' ? 10 * 3 * height * width : FALLBACK_FLOPS_PER_PIXEL * height * width;
}

/** Seconds of one plain forward of the sampler's prior at its size. */
export function secondsPerForward(s: PricedSampler): number {
  return forwardFlops(s) / (s.flopsPerSecond ?? DEFAULT_FLOPS_PER_SECOND);
}

/** Bytes of the activations a forward+VJP call of a network with these FLOPs keeps (a heuristic). */
export function activationBytes(flops: number): number {
  return (4 * flops) / FLOPS_PER_ACTIVATION;
}

/** What one step costs: seconds and bytes held while the run lasts. */
export interface StepCost {
  seconds: number;
  bytes: number;
}

/**
 * A sampler's network calls and working memory (its model's weights are counted once per plan),
 * plus the fixed and per-element time of any node for the `written` elements of its outputs.
 */
export function samplerCost(s: PricedSampler, written: number): StepCost {
  const c = s.contribution;
  const perForward = secondsPerForward(s);
  let bytes = 3 * c.height * c.width * 4 * (SNAPSHOT_TENSORS + 12);
  if (c.nfe.vjp > 0) bytes += s.report?.activationBytes ?? activationBytes(forwardFlops(s));
  const network = (c.nfe.forward - c.nfe.vjp) * perForward + c.nfe.vjp * VJP_COST * perForward;
  return { seconds: network + dataNodeCost(0, written).seconds, bytes };
}

/** Fixed cost of any node: publishing its outputs, the cache lookup, the run's bookkeeping. */
const NODE_SECONDS = 1e-3;
const NODE_BYTES = 64 * 2 ** 10;
/** Decoding, resizing, applying an operator, computing metrics and publishing: per float element. */
const SECONDS_PER_ELEMENT = 1e-8;

/**
 * A node without a network: `read` float elements it loads from outside (a decoded image at its
 * real size), `written` the elements of its outputs.
 */
export function dataNodeCost(read: number, written: number): StepCost {
  return { seconds: NODE_SECONDS + SECONDS_PER_ELEMENT * (read + written), bytes: NODE_BYTES + 4 * (read + written) };
}

/** The plan's NFE and estimate: every step's cost plus the weights of each model once. */
export function planEstimate(samplers: readonly PricedSampler[], steps: readonly StepCost[]): { nfe: Nfe; estimate: Plan['estimate'] } {
  const nfe: Nfe = { forward: 0, vjp: 0 };
  let seconds = 0;
  let bytes = 0;
  for (const c of steps) {
    seconds += c.seconds;
    bytes += c.bytes;
  }
  const modelBytes = new Map<string, number>();
  for (const s of samplers) {
    const c = s.contribution;
    nfe.forward += c.nfe.forward;
    nfe.vjp += c.nfe.vjp;
    if (s.model !== null) {
      const weights = 4 * (s.report?.parameters ?? 0) * (c.nfe.vjp > 0 ? 2 : 1);
      modelBytes.set(s.model, Math.max(modelBytes.get(s.model) ?? 0, weights));
    }
  }
  for (const b of modelBytes.values()) bytes += b;
  return { nfe, estimate: toEstimate({ seconds, bytes }) };
}

/** Seconds to the millisecond, memory in MB to 0.1. */
export function toEstimate(c: StepCost): Plan['estimate'] {
  return { seconds: round(c.seconds, 3), memoryMB: round(c.bytes / 2 ** 20, 1) };
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
