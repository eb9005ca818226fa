/**
 * The plan's time and memory estimate, from each sampler's network calls priced at its image
 * size with its prior's FLOPs:
 *
 *   seconds = sum over samplers of (plain forwards + VJP_COST x VJP calls) x FLOPs / FLOP/s
 *   memory  = per sampler: its captured snapshots and working tensors, plus the activations a
 *             VJP keeps; plus each model's weights (twice when a gradient model is compiled)
 */
import type { Nfe } from '../samplers/types';
import type { PriorReport, SamplerContribution } from './node-run';
import type { Plan } from './types';

/**
 * Sustained network throughput of onnxruntime-node on the reference 2-core machine: the shipped
 * prior's forward ran at 137-161 GFLOP/s from 64 to 256 px on a quiet box (bench/results/prior.md
 * as of 036084c, 2026-11-26), well below the convolution peak because its layers are thin. Later
 * runs on the shared box read lower together with their MatMul roofline (the box's load).
 */
const DEFAULT_FLOPS_PER_SECOND = 150e9;
/**
 * A forward+VJP call (the fused guidance model) costs this many plain forwards (measured 2.48-2.53
 * on 2026-11-26; 2.13-2.31 in CPU time after the GroupNorm gradient change, bench/results/prior.md).
 */
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

export function planEstimate(samplers: readonly PricedSampler[]): { nfe: Nfe; estimate: Plan['estimate'] } {
  const nfe: Nfe = { forward: 0, vjp: 0 };
  let seconds = 0;
  let bytes = 0;
  const modelBytes = new Map<string, number>();
  for (const s of samplers) {
    const c = s.contribution;
    const perForward = secondsPerForward(s);
    nfe.forward += c.nfe.forward;
    nfe.vjp += c.nfe.vjp;
    seconds += (c.nfe.forward - c.nfe.vjp) * perForward + c.nfe.vjp * VJP_COST * perForward;
    bytes += 3 * c.height * c.width * 4 * (SNAPSHOT_TENSORS + 12);
    if (c.nfe.vjp > 0) bytes += s.report?.activationBytes ?? (4 * forwardFlops(s)) / FLOPS_PER_ACTIVATION;
    if (s.model !== null) {
      const weights = 4 * (s.report?.parameters ?? 0) * (c.nfe.vjp > 0 ? 2 : 1);
      modelBytes.set(s.model, Math.max(modelBytes.get(s.model) ?? 0, weights));
    }
  }
  for (const b of modelBytes.values()) bytes += b;
  return { nfe, estimate: { seconds: round(seconds, 3), memoryMB: round(bytes / 2 ** 20, 1) } };
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
