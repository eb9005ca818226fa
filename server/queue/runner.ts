/**
 * The job the queue runs for each run: execute its plan with the server's adapters (images
 * and priors from the asset store, Save image nodes and the result PNG as artifacts with the
 * graph embedded, tensors to .npy for `tensor.get`), record the outcome on the run row, then
 * append the terminal event (finished / error / cancelled), so a client that reacts to it by
 * calling run.get sees the final record.
 */
import { isSpgdError } from '../../lib/errors';
import { executePlan, NodeExecutionError, type ExecuteAdapters } from '../../lib/plan/execute';
import { NODE_KIT } from '../../nodes/runs';
import type { Plan, RunEventPayload } from '../../lib/plan/types';
import type { Artifacts } from '../artifacts';
import type { AssetStore } from '../assets';
import type { LruOutputCache } from '../cache';
import type { Db } from '../db';
import { finishRun, getRun } from '../db/runs';
import type { PriorRegistry } from '../priors';
import { isTerminalEvent, type RunEventLog } from './events';
import type { RunJob } from './index';

export interface RunnerDeps {
  db: Db;
  log: RunEventLog;
  assets: AssetStore;
  priors: PriorRegistry;
  artifacts: Artifacts;
  cache: LruOutputCache;
}

/** `f()` as a promise, a throw becoming a rejection (what the adapters promise). */
function settle<T>(f: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(f());
  });
}

export function createRunJob(d: RunnerDeps): RunJob {
  return async (runId, signal) => {
    const row = getRun(d.db, runId);
    if (!row) return;
    const plan = JSON.parse(row.plan) as Plan;
    const document = JSON.parse(row.document) as unknown;
    let terminal: RunEventPayload | null = null;
    const onEvent = (e: RunEventPayload) => {
      if (isTerminalEvent(e)) terminal = e;
      else d.log.append(runId, e);
    };
    const adapters: ExecuteAdapters = {
      loadImage: (source) => settle(() => d.assets.loadImage(source)),
      loadArray: (source) => settle(() => d.assets.loadArray(source)),
      loadPrior: (model) => d.priors.load(model),
      saveImage: ({ node, filename, image }) =>
        settle(() => {
          d.artifacts.writeImage(runId, `${node}-${filename}`, image, document);
        }),
    };
    try {
      const r = await executePlan(plan, NODE_KIT, adapters, { signal, onEvent, cache: d.cache, store: d.artifacts.tensorStore(runId) });
      let resultPath: string | null = null;
      const out = r.primary ? r.outputs.get(r.primary)?.image : undefined;
      if (out?.kind === 'Image') resultPath = d.artifacts.writeImage(runId, 'result', out.tensor, document);
      finishRun(d.db, runId, { status: 'finished', seconds: r.seconds, nfe: r.nfe, metrics: r.metrics, resultPath });
      // onEvent may have set it during the run (which control flow analysis does not see).
      const last = terminal as RunEventPayload | null;
      const fin = last?.type === 'finished' ? last : { type: 'finished' as const, metrics: r.metrics, seconds: r.seconds, nfe: r.nfe };
      d.log.append(runId, { ...fin, ...(resultPath ? { result: d.artifacts.url(resultPath) } : {}) });
    } catch (e) {
      if (isSpgdError(e) && e.code === 'CANCELLED') {
        finishRun(d.db, runId, { status: 'cancelled' });
        d.log.append(runId, { type: 'cancelled' });
      } else {
        const t = terminal as RunEventPayload | null;
        const err =
          t?.type === 'error'
            ? t
            : {
                type: 'error' as const,
                ...(e instanceof NodeExecutionError && e.node ? { node: e.node } : {}),
                code: isSpgdError(e) ? e.code : 'INTERNAL',
                message: e instanceof Error ? e.message : String(e),
              };
        finishRun(d.db, runId, { status: 'failed', error: { node: err.node, code: err.code, message: err.message } });
        d.log.append(runId, err);
      }
    } finally {
      d.log.forget(runId);
    }
  };
}
