/**
 * The work cap: what run.start refuses, judged on the compiled plan's estimate (every node
 * counts, `lib/plan/estimate.ts`) against the server's limits (SPGD_MAX_RUN_SECONDS,
 * SPGD_MAX_RUN_MB, SPGD_MAX_RUN_PIXELS, SPGD_MAX_RUN_NODES). The error gives the estimate, names
 * the node that costs most and what to do instead: downscale to a size that fits, or the browser
 * backend (which these limits do not bind, since it spends the visitor's machine). The estimate
 * is the compiler's (`estimate.ts`, priced with this server's calibrated speeds), so the cap
 * holds for either queue (embedded or BullMQ workers): services.startRun checks it before queueing.
 */
import { RunTooLargeError } from '../lib/errors';
import type { Plan, PlanStep } from '../lib/plan/types';
import type { RunLimits } from './env';

type Titles = (type: string) => string | undefined;

/** 'spgd' (SPGD sampler) */
function nodeName(step: PlanStep, title: Titles): string {
  const t = title(step.type);
  return t ? `'${step.node}' (${t})` : `'${step.node}'`;
}

/** The largest image side (multiple of 8) that brings a cost proportional to pixels under `limit`. */
export function downscaledSide(side: number, cost: number, limit: number): number {
  return Math.floor((side * Math.sqrt((0.9 * limit) / cost)) / 8) * 8;
}

/** The sampler whose image is largest (null when the plan has none). */
function largestSampler(plan: Plan): PlanStep | null {
  let best: PlanStep | null = null;
  for (const s of plan.steps) {
    if (s.sampler && (!best?.sampler || s.sampler.height * s.sampler.width > best.sampler.height * best.sampler.width)) best = s;
  }
  return best;
}

function costliest(plan: Plan, by: 'seconds' | 'memoryMB'): PlanStep | null {
  let best: PlanStep | null = null;
  // Plans stored before steps carried their cost have no `estimate` on them.
  for (const s of plan.steps) if ((s.estimate as PlanStep['estimate'] | undefined) && (!best || s.estimate[by] > best.estimate[by])) best = s;
  return best;
}

/** What to do instead, for a cost that grows with the pixels of the costliest node's image. */
function options(top: PlanStep | null, cost: number, limit: number): string {
  const sampler = top?.sampler;
  const side = sampler ? downscaledSide(Math.max(sampler.height, sampler.width), cost, limit) : 0;
  if (sampler && side >= 16) return `downscale the image to ${side} px (it is ${sampler.width}x${sampler.height}), or run it in the browser`;
  return 'use smaller images, fewer nodes or fewer steps, or run it in the browser';
}

/** Node count before compiling: a graph over the limit is not worth validating. */
export function checkNodeCount(count: number, limits: RunLimits): void {
  if (count > limits.nodes) {
    throw new RunTooLargeError(`the graph has ${count} nodes, more than this server runs (${limits.nodes}, SPGD_MAX_RUN_NODES); split it, or run it in the browser`);
  }
}

/** "an estimated 12 s and 340 MB" */
function estimated(plan: Plan): string {
  return `an estimated ${Math.round(plan.estimate.seconds)} s and ${Math.round(plan.estimate.memoryMB)} MB`;
}

/** @throws RunTooLargeError naming the limit, the estimate, the costliest node and the options. */
export function checkRunLimits(plan: Plan, limits: RunLimits, title: Titles): void {
  if (plan.steps.length > limits.nodes) {
    throw new RunTooLargeError(
      `the graph has ${plan.steps.length} nodes (${estimated(plan)}), more than this server runs (${limits.nodes}, SPGD_MAX_RUN_NODES); split it, or run it in the browser`,
    );
  }
  const big = largestSampler(plan);
  if (big?.sampler && big.sampler.height * big.sampler.width > limits.pixels) {
    const { height, width } = big.sampler;
    const side = Math.floor(Math.sqrt(limits.pixels) / 8) * 8;
    throw new RunTooLargeError(
      `${nodeName(big, title)} restores a ${width}x${height} image (${((width * height) / 1e6).toFixed(1)} MP, ${estimated(plan)}), more than this server runs (${(limits.pixels / 1e6).toFixed(1)} MP, SPGD_MAX_RUN_PIXELS): downscale the image to ${side} px, or run it in the browser`,
      big.node,
    );
  }
  const { seconds, memoryMB } = plan.estimate;
  if (seconds > limits.seconds) {
    const top = costliest(plan, 'seconds');
    throw new RunTooLargeError(
      `this run is estimated at ${Math.round(seconds)} s, more than this server runs (${limits.seconds} s, SPGD_MAX_RUN_SECONDS)${top ? `; the costliest node is ${nodeName(top, title)} at ${Math.round(top.estimate.seconds)} s` : ''}: ${options(top, seconds, limits.seconds)}`,
      top?.node,
    );
  }
  if (memoryMB > limits.memoryMB) {
    const top = costliest(plan, 'memoryMB');
    throw new RunTooLargeError(
      `this run is estimated to need ${Math.round(memoryMB)} MB, more than this server gives a run (${limits.memoryMB} MB, SPGD_MAX_RUN_MB)${top ? `; the costliest node is ${nodeName(top, title)} at ${Math.round(top.estimate.memoryMB)} MB` : ''}: ${options(top, memoryMB, limits.memoryMB)}`,
      top?.node,
    );
  }
}
