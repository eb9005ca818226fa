/**
 * One run's plan, executed and summed up as an outcome: what the embedded runner and every
 * `spgd worker` do with a run. Events, published tensors and Save image outputs go to a sink as
 * they come (the server's recorder, or the worker's stream to the server); the terminal event
 * is not sent but returned inside the outcome, so whoever records it can first store the result
 * and then announce the end (a client reacting to it finds the final record).
 */
import { isSpgdError } from '../../lib/errors';
import { executePlan, NodeExecutionError, type ExecuteAdapters, type OutputCache, type StoredTensor } from '../../lib/plan/execute';
import type { Plan, RunEventPayload } from '../../lib/plan/types';
import type { Tensor } from '../../lib/tensor';
import { NODE_KIT } from '../../nodes/runs';

export type FinishedEvent = Extract<RunEventPayload, { type: 'finished' }>;
export type ErrorEvent = Extract<RunEventPayload, { type: 'error' }>;

export type RunOutcome =
  | { status: 'finished'; event: FinishedEvent; /** The primary sampler's image. */ result: Tensor | null }
  | { status: 'failed'; error: Omit<ErrorEvent, 'type'> }
  | { status: 'cancelled' };

/** Where a running plan's output goes. */
export interface RunSink {
  /** A non-terminal run event (started, progress, preview, probe, trace). */
  event(e: RunEventPayload): void;
  /** A published tensor (before its probe event is sent). */
  tensor(rec: StoredTensor): void | Promise<void>;
  /** What a Save image node wrote. */
  savedImage(args: { node: string; filename: string; image: Tensor }): Promise<void>;
}

export interface ExecuteRunOptions {
  signal?: AbortSignal;
  cache?: OutputCache;
}

/** Executes a plan; never rejects (failures and cancellation are outcomes). */
export async function executeRun(plan: Plan, adapters: Omit<ExecuteAdapters, 'saveImage'>, sink: RunSink, options: ExecuteRunOptions = {}): Promise<RunOutcome> {
  let terminal: RunEventPayload | null = null;
  const onEvent = (e: RunEventPayload) => {
    if (e.type === 'finished' || e.type === 'error' || e.type === 'cancelled') terminal = e;
    else sink.event(e);
  };
  try {
    const r = await executePlan(plan, NODE_KIT, { ...adapters, saveImage: (a) => sink.savedImage(a) }, { ...options, onEvent, store: { put: (rec) => sink.tensor(rec) } });
    const out = r.primary ? r.outputs.get(r.primary)?.image : undefined;
    // onEvent may have set it during the run (which control flow analysis does not see).
    const last = terminal as RunEventPayload | null;
    const event: FinishedEvent = last?.type === 'finished' ? last : { type: 'finished', metrics: r.metrics, seconds: r.seconds, nfe: r.nfe };
    return { status: 'finished', event, result: out?.kind === 'Image' ? out.tensor : null };
  } catch (e) {
    if (isSpgdError(e) && e.code === 'CANCELLED') return { status: 'cancelled' };
    const t = terminal as RunEventPayload | null;
    if (t?.type === 'error') {
      const { type: _type, ...error } = t;
      return { status: 'failed', error };
    }
    return {
      status: 'failed',
      error: {
        ...(e instanceof NodeExecutionError && e.node ? { node: e.node } : {}),
        code: isSpgdError(e) ? e.code : 'INTERNAL',
        message: e instanceof Error ? e.message : String(e),
      },
    };
  }
}
