/**
 * The one sampler loop: progress, cancellation, timing, trace and snapshot collection.
 * Samplers only describe single steps (see types.ts). The loop hands the thread back to the
 * event loop every YIELD_EVERY_MS, so a server stays responsive (and can take a cancel) during a
 * run whose steps never wait on I/O (the analytic prior, classical updates).
 */
import { throwIfCancelled } from '../errors';
import type { Tensor } from '../tensor';
import type { Nfe, Sampler, SamplerContext, StepSnapshot, StepTrace } from './types';

export interface Progress {
  step: number;
  steps: number;
  nfe: Nfe;
  elapsedMs: number;
}

export interface RunOptions {
  /** Called after every outer step with its diagnostics (and tensors when captured). */
  onStep?: (trace: StepTrace, snapshot?: StepSnapshot) => void;
  onProgress?: (progress: Progress) => void;
}

export interface SampleResult {
  sample: Tensor;
  trace: StepTrace[];
  snapshots: StepSnapshot[];
  nfe: Nfe;
  seconds: number;
}

/** Longest stretch of steps without letting the event loop run. */
const YIELD_EVERY_MS = 50;

/** Lets timers and I/O run (a macrotask turn: awaiting a resolved promise does not). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export async function runSampler<S>(sampler: Sampler<S>, ctx: SamplerContext, options: RunOptions = {}): Promise<SampleResult> {
  const start = performance.now();
  let yielded = start;
  throwIfCancelled(ctx.signal);
  let state = sampler.init(ctx);
  const trace: StepTrace[] = [];
  const snapshots: StepSnapshot[] = [];
  let nfe: Nfe = { forward: 0, vjp: 0 };
  for (let i = 0; i < sampler.steps; i++) {
    const result = await sampler.step(state, ctx, i);
    state = result.state;
    nfe = result.trace.nfe;
    trace.push(result.trace);
    if (result.snapshot) snapshots.push(result.snapshot);
    options.onStep?.(result.trace, result.snapshot);
    options.onProgress?.({ step: i + 1, steps: sampler.steps, nfe, elapsedMs: performance.now() - start });
    // A prior computed in JS (the analytic one) never leaves the microtask queue: give the
    // event loop a turn now and then, so a cancel message, a worker's lock renewal or its
    // reports get through during a long run.
    if (performance.now() - yielded > YIELD_EVERY_MS) {
      await yieldToEventLoop();
      yielded = performance.now();
    }
  }
  return { sample: sampler.finish(state), trace, snapshots, nfe, seconds: (performance.now() - start) / 1000 };
}
