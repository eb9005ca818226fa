/**
 * The job the embedded queue runs for each run: execute its plan with the server's adapters
 * (images and priors from the asset store, Save image nodes and the result PNG as artifacts with
 * the graph embedded, tensors to .npy for `tensor.get`) and record the outcome (server/queue/record.ts).
 */
import type { ExecuteAdapters } from '../../lib/plan/execute';
import type { Plan } from '../../lib/plan/types';
import type { AssetStore } from '../assets';
import type { LruOutputCache } from '../cache';
import type { Db } from '../db';
import { getRun } from '../db/runs';
import type { PriorRegistry } from '../priors';
import type { ServerSpeed } from '../speed';
import type { RunJob } from './embedded';
import { executeRun } from './execute-run';
import type { RunRecorder } from './record';

export interface RunnerDeps {
  db: Db;
  recorder: RunRecorder;
  assets: AssetStore;
  priors: PriorRegistry;
  cache: LruOutputCache;
  speed: ServerSpeed;
}

/** `f()` as a promise, a throw becoming a rejection (what the adapters promise). */
function settle<T>(f: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(f());
  });
}

/** The executor's adapters on the server's own stores (the embedded runner and SPGD_LOCAL_WORKER=1). */
export function serverAdapters(assets: AssetStore, priors: PriorRegistry): Omit<ExecuteAdapters, 'saveImage'> {
  return {
    loadImage: (source) => settle(() => assets.loadImage(source)),
    loadArray: (source) => settle(() => assets.loadArray(source)),
    loadPrior: (model) => priors.load(model),
  };
}

export function createRunJob(d: RunnerDeps): RunJob {
  const adapters = serverAdapters(d.assets, d.priors);
  return async (runId, signal) => {
    const row = getRun(d.db, runId);
    if (!row) return;
    const plan = JSON.parse(row.plan) as Plan;
    // The first start's calibration measures the CPU: a run must not share it.
    await d.speed.ready;
    const coldModels = d.speed.coldModels(plan);
    const openedModels = d.speed.closedModels(plan);
    const outcome = await executeRun(plan, adapters, d.recorder.sink(runId), { signal, cache: d.cache });
    const timings = outcome.status === 'finished' ? outcome.event.timings : undefined;
    if (timings) d.speed.learn(plan, { nodeSeconds: timings.nodes, cached: timings.cached, coldModels, openedModels });
    d.recorder.finish(runId, outcome);
  };
}
