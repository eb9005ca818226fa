/**
 * A short calibration of one backend for the plan's estimate (lib/plan/throughput.ts): the
 * prior's network calls timed one by one while real restoration graphs run (SPGD for the fused
 * guidance call, DDIM for the plain forward, DPS for the forward + separate VJP), at each size;
 * the sampler's own work per step; every operator's A + A^T, proximal step and pseudo-inverse
 * (the user-data ones, inpaint and blur, on a stand-in mask and kernel); and how long
 * opening the model took. The server runs it at first start (cached in its data folder), the
 * CLI when it finds no cached table, the browser worker for the tab's own speed.
 *
 * About 2 + 3 + 2 network calls per kind and size after one warm-up each: a few seconds at 64
 * and 128 px, tens at 256 px on a 2-core CPU.
 *
 * @example
 * const t = new Throughput(emptyThroughput('server'));
 * await calibrate(t, { load: (m) => priors.load(m), groundTruth, flops: (m, px) => priors.inspect(m, px).flops });
 */
import type { EpsModel } from '../lib/diffusion/types';
import { createOperator, getOperatorDef, operatorFromState } from '../lib/operators';
import { lineMotionKernel } from '../lib/operators/gen/parametric-kernel';
import { proxL2 } from '../lib/operators/solve';
import { TASKS, type LinearOperator, type TaskName } from '../lib/operators/types';
import { Rng } from '../lib/rng';
import { CORRECTION_TOL } from '../lib/samplers/ddnm';
import type { Tensor } from '../lib/tensor';
import { PULLBACK_COST, VJP_COST } from '../lib/plan/estimate';
import { CALIBRATION_TASK, type SessionKind, type Throughput } from '../lib/plan/throughput';
import { restoreImage } from './recipes';

export interface CalibrationDeps {
  /** Opens (or returns the open) prior network. */
  load(model: string): Promise<EpsModel>;
  /** A clean picture to restore (cropped to each size). */
  groundTruth: Tensor;
  /** FLOPs of one forward of the model at a size (0 when unknown). */
  flops(model: string, size: { height: number; width: number }): number | Promise<number>;
  model?: string;
  sizes?: readonly number[];
  /**
   * Time the forward + separate VJP call (DPS) too (default true). Without it, that call is
   * priced from the fused one by their measured ratio (a shorter calibration, for the browser).
   */
  pullback?: boolean;
  /** Reports each finished part (for a progress line). */
  onPart?: (what: string) => void;
  signal?: AbortSignal;
  now?: () => number;
}

type CallKind = 'forward' | 'fused' | 'pullback';
const KIND_OF: Partial<Record<string, CallKind>> = { eps: 'forward', fusedVpLossGrad: 'fused', epsPullback: 'pullback' };

/** The model with every network call timed, by kind. */
function timedModel(model: EpsModel, now: () => number, calls: Record<CallKind, number[]>): EpsModel {
  return new Proxy(model, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      const kind = typeof prop === 'string' ? KIND_OF[prop] : undefined;
      if (!kind || typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const t0 = now();
        const out: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        // A fused call that declines (null) falls back to a pullback, which times itself.
        if (out !== null) calls[kind].push(now() - t0);
        return out;
      };
    },
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median seconds of the calls after the first (which compiles and opens sessions), and that first call's extra. */
function steady(ms: readonly number[]): { seconds: number; firstExtra: number } {
  const rest = ms.length > 1 ? ms.slice(1) : ms;
  const m = median(rest);
  return { seconds: m / 1000, firstExtra: ms.length > 1 ? Math.max(0, ms[0] - m) / 1000 : 0 };
}

/** Fills `t` with this backend's speeds; returns the seconds it took. */
export async function calibrate(t: Throughput, d: CalibrationDeps): Promise<number> {
  const now = d.now ?? (() => performance.now());
  const model = d.model ?? 'default';
  const sizes = d.sizes ?? [64, 128, 256];
  const start = now();
  const t0 = now();
  const opened = await d.load(model);
  const openSeconds = (now() - t0) / 1000;
  let compile: Record<SessionKind, number> | null = null;
  for (const size of sizes) {
    const calls: Record<CallKind, number[]> = { forward: [], fused: [], pullback: [] };
    const timed = timedModel(opened, now, calls);
    const prior = { load: () => Promise.resolve(timed) };
    const run = (method: string, samplerParams: Record<string, unknown>) =>
      restoreImage({ task: CALIBRATION_TASK, method, seed: 0, sigmaY: 0.05, model, samplerParams }, { groundTruth: d.groundTruth, size }, prior, { signal: d.signal, captures: 1 });
    // SPGD: 3 outer steps of 1 warm-up call each (fused guidance), with its per-step diagnostics.
    const spgd = await run('spgd', { steps: 3, warmup: 1 });
    // A model that cannot fuse the guidance (the analytic prior) took the pullback path: that is its "fused" call.
    const guided = calls.fused.length ? [...calls.fused] : [...calls.pullback];
    const spgdNet = [...calls.fused, ...calls.pullback].reduce((a, b) => a + b, 0) / 1000;
    await run('ddim', { steps: 4 });
    const withPullback = d.pullback ?? true;
    if (withPullback) await run('dps', { steps: 3 });
    const fused = steady(guided);
    const pullback = withPullback ? steady(calls.pullback) : { seconds: (fused.seconds * PULLBACK_COST) / VJP_COST, firstExtra: 0 };
    const forward = steady(calls.forward);
    t.recordNetwork(model, size * size, await d.flops(model, { height: size, width: size }), { forward: forward.seconds, fused: fused.seconds, pullback: pullback.seconds });
    // Per outer step outside the network, from the SPGD run (its first call compiled a model).
    t.recordStepOverhead(size * size, (spgd.seconds - spgdNet) / 3);
    // A session's first call at a new size (the model is open): what a cold task or size costs.
    // (Without a VJP call measured, its model is taken to compile like the fused one.)
    if (size === sizes[0]) compile = { forward: forward.firstExtra, fused: fused.firstExtra, pullback: withPullback ? pullback.firstExtra : fused.firstExtra };
    d.onPart?.(`network at ${size}x${size}: forward ${(forward.seconds * 1000).toFixed(1)} ms, fused ${(fused.seconds * 1000).toFixed(1)} ms`);
    calibrateOperators(t, size, now);
  }
  t.recordLoad(model, openSeconds);
  for (const [kind, seconds] of Object.entries(compile ?? {})) t.recordCompile(model, kind as SessionKind, seconds);
  t.data.calibratedAt = Date.now();
  return (now() - start) / 1000;
}

/**
 * The operator of `task` at `shape`; the ones built from the user's data get stand-ins: a mask
 * with half its pixels missing, a 15 px straight motion kernel (not separable: the FFT path).
 */
function operatorAt(task: TaskName, shape: number[]): LinearOperator {
  const rng = new Rng(0, 'operator');
  const needs = getOperatorDef(task).requires;
  if (needs === 'mask') {
    const [, h, w] = shape;
    return operatorFromState(task, shape, {}, { mask: { shape: [h, w], data: Float32Array.from({ length: h * w }, () => (rng.uniform() < 0.5 ? 0 : 1)) } });
  }
  if (needs === 'kernel') return operatorFromState(task, shape, {}, { kernel: lineMotionKernel(15, 30) });
  return createOperator(task, shape, {}, rng);
}

/** Each operator's A + A^T, proximal step and pseudo-inverse at one size (median of 3). */
function calibrateOperators(t: Throughput, size: number, now: () => number): void {
  const shape = [3, size, size];
  for (const task of TASKS) {
    let op;
    try {
      op = operatorAt(task, shape);
    } catch {
      continue; // a size this operator does not take
    }
    const x: Tensor = { shape, data: new Float32Array(3 * size * size).fill(0.1) };
    const y = op.forward(x);
    const apply: number[] = [];
    const prox: number[] = [];
    const pinv: number[] = [];
    for (let k = 0; k < 3; k++) {
      const a = now();
      op.adjoint(op.forward(x));
      apply.push(now() - a);
      // DiffPIR's rho spans decades over a run: one solve at each of three.
      const b = now();
      for (const rho of [1e-3, 1e-1, 10]) proxL2(op, x, y, rho, { tol: 1e-4, maxIter: 200 });
      prox.push((now() - b) / 3);
      if (op.pseudoInverse) {
        const c = now();
        op.pseudoInverse(y, { rho: 0.1, tol: CORRECTION_TOL }); // DDNM+'s Tikhonov weight for the blurs (TUNED in lib/samplers/ddnm.ts) and its stopping rule
        pinv.push(now() - c);
      }
    }
    t.recordOperator(task, size * size, median(apply) / 1000, median(prox) / 1000, pinv.length ? median(pinv) / 1000 : undefined);
  }
  const rng = new Rng(0, 'calibration');
  const draws: number[] = [];
  for (let k = 0; k < 3; k++) {
    const a = now();
    rng.normals(3 * size * size);
    draws.push(now() - a);
  }
  t.recordNoiseDraw(size * size, median(draws) / 1000);
}
