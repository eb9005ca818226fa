/**
 * The server's state, built once per process (cached on globalThis so Next's hot reload does
 * not build it twice): env, SQLite, the event log, the run queue (embedded, or BullMQ on Redis
 * when SPGD_REDIS_URL is set, with a worker in the process when SPGD_LOCAL_WORKER=1), assets,
 * priors, artifacts and the node-output cache. Reached by routers only through the tRPC context.
 *
 * Start-up, in order: open the database (tables created by the migrations), mark runs that a
 * killed server left 'queued' or 'running' in its embedded queue as 'interrupted' (with an error
 * event, so their subscribers end; runs of the distributed queue live on in Redis and are
 * reconciled with it instead), and seed the built-in presets from presets/*.json. Finished runs
 * and saved presets are never touched.
 */
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { migrateDocument } from '../lib/graph/migrate';
import { GraphInvalidError, isSpgdError } from '../lib/errors';
import { compileGraph, type CompileEnv } from '../lib/plan/compile';
import type { CompileResult, Plan, RunsOn } from '../lib/plan/types';
import { NODE_KIT } from '../nodes/runs';
import { Artifacts } from './artifacts';
import { AssetStore } from './assets';
import { LruOutputCache } from './cache';
import { getDb, openDb, type Db } from './db';
import { deleteRun, finishRun, insertRun, unfinishedRuns } from './db/runs';
import { loadEnv, type Env } from './env';
import { seedBuiltInPresets, type SeedReport } from './presets';
import { PriorRegistry } from './priors';
import { describeDevice } from './queue/backend';
import { BullRunQueue } from './queue/bullmq/queue';
import { RunWorker } from './queue/bullmq/worker';
import { EmbeddedRunQueue } from './queue/embedded';
import { RunEventLog } from './queue/events';
import { RunRecorder } from './queue/record';
import { createRunJob, serverAdapters } from './queue/runner';
import type { RunPriority, RunQueue } from './queue/types';

export const INTERRUPTED_MESSAGE = 'the server stopped while this run was queued or running; start it again';

export interface Services {
  env: Env;
  db: Db;
  log: RunEventLog;
  queue: RunQueue;
  /** The worker inside the server process (distributed queue with SPGD_LOCAL_WORKER=1), else null. */
  localWorker: RunWorker | null;
  assets: AssetStore;
  priors: PriorRegistry;
  artifacts: Artifacts;
  cache: LruOutputCache;
  seeded: SeedReport;
  interrupted: string[];
  compile(document: unknown, backend?: RunsOn): Promise<CompileResult>;
  /**
   * Compiles and queues a run; throws GraphInvalidError (code GRAPH_INVALID, with the issues) when
   * the graph does not compile, SpgdError QUEUE_UNAVAILABLE when the queue cannot take it.
   */
  startRun(document: unknown, backend?: RunsOn, priority?: RunPriority): Promise<{ runId: string; position: number; plan: Plan }>;
  close(): Promise<void>;
}

export interface CreateServicesOptions {
  /** Environment variables on top of process.env (e.g. SPGD_DATA_DIR, SPGD_DB). */
  env?: Record<string, string | undefined>;
  /** Use this connection instead of opening SPGD_DB. */
  db?: Db;
}

/**
 * Marks runs left 'queued' or 'running' by a killed server as 'interrupted': all of them for the
 * embedded queue; with the distributed queue only those of the embedded one (the others are in Redis).
 */
function recoverInterruptedRuns(db: Db, log: RunEventLog, distributed = false): string[] {
  const rows = distributed ? unfinishedRuns(db, 'embedded') : unfinishedRuns(db);
  for (const r of rows) {
    finishRun(db, r.id, { status: 'interrupted', error: { code: 'INTERRUPTED', message: INTERRUPTED_MESSAGE } });
    log.append(r.id, { type: 'error', code: 'INTERRUPTED', message: INTERRUPTED_MESSAGE });
    log.forget(r.id);
  }
  return rows.map((r) => r.id);
}

export function createServices(options: CreateServicesOptions = {}): Services {
  const env = loadEnv({ ...process.env, ...options.env });
  const db = options.db ?? (env.nodeEnv === 'production' || env.dbPath === ':memory:' ? openDb(env.dbPath) : getDb(env.dbPath));
  const log = new RunEventLog(db);
  const interrupted = recoverInterruptedRuns(db, log, env.redisUrl !== null);
  const seeded = seedBuiltInPresets(db, path.join(env.appRoot, 'presets'));
  const assets = new AssetStore(db, env);
  const priors = new PriorRegistry(assets, env);
  const artifacts = new Artifacts(env.dataDir);
  const cache = new LruOutputCache(env.cacheBytes);
  const recorder = new RunRecorder({ db, log, artifacts });
  const backend = env.executionProviders[0];
  const self = {
    name: env.redisUrl ? `${os.hostname()} (server)` : 'server',
    backend,
    device: describeDevice(backend, env.ortThreads),
    concurrency: 1,
    local: true,
  };
  let queue: RunQueue;
  let localWorker: RunWorker | null = null;
  if (env.redisUrl) {
    queue = new BullRunQueue({ db, log, recorder, assets, redisUrl: env.redisUrl, queue: env.queue });
    if (env.localWorker) {
      const adapters = serverAdapters(assets, priors);
      localWorker = new RunWorker({ redisUrl: env.redisUrl, queue: env.queue, self, adapters: () => adapters, cache });
    }
  } else {
    const id = `server@${os.hostname()}:${process.pid}`;
    queue = new EmbeddedRunQueue({ db, log, recorder, job: createRunJob({ db, recorder, assets, priors, cache }), self: { ...self, id, host: os.hostname(), pid: process.pid, startedAt: Date.now() } });
  }

  const compileEnv = (backend: RunsOn = 'server'): CompileEnv => ({
    backend,
    inspectPrior: (model, size) => priors.inspect(model, size),
    describeImage: (source) => assets.describeImage(source),
    storeEmbeddedAssets: (files) => assets.storeEmbedded(files),
  });
  const compile = (document: unknown, backend?: RunsOn) => compileGraph(document, NODE_KIT, compileEnv(backend));

  const services: Services = {
    env,
    db,
    log,
    queue,
    localWorker,
    assets,
    priors,
    artifacts,
    cache,
    seeded,
    interrupted,
    compile,
    async startRun(document, backend = 'server', priority = 'interactive') {
      const r = await compile(document, backend);
      if (!r.ok) throw new GraphInvalidError(r.issues);
      const seeds: Record<string, number> = {};
      for (const s of r.plan.steps) if (typeof s.params.seed === 'number') seeds[s.node] = s.params.seed;
      const runId = randomUUID();
      const doc = migrateDocument(document, NODE_KIT.definition);
      insertRun(db, { id: runId, document: doc, graphHash: r.plan.hash, plan: r.plan, seeds, backend, queue: queue.kind, priority });
      try {
        const position = await queue.enqueue(runId, priority);
        return { runId, position, plan: r.plan };
      } catch (e) {
        // Not queued: leave no run behind that nothing will ever run.
        if (isSpgdError(e) && e.code === 'QUEUE_UNAVAILABLE') deleteRun(db, runId);
        throw e;
      }
    },
    async close() {
      await localWorker?.close(true);
      await queue.close();
      await priors.releaseAll();
      cache.clear();
      if (!options.db) db.close();
    },
  };
  return services;
}

const g = globalThis as unknown as { __spgdServices?: Services };

/** The process-wide services (created on first use). */
export function getServices(): Services {
  return (g.__spgdServices ??= createServices());
}
