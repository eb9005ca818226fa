/**
 * The server's state, built once per process (cached on globalThis so Next's hot reload does
 * not build it twice): env, SQLite, the event log, the run queue (embedded, or BullMQ on Redis
 * when SPGD_REDIS_URL is set, with a worker in the process when SPGD_LOCAL_WORKER=1), assets,
 * priors, artifacts and the node-output cache. Reached by routers only through the tRPC context.
 *
 * Start-up, in order: open the database (tables created by the migrations), mark runs that a
 * killed server left 'queued' or 'running' in its embedded queue as 'interrupted' (with an error
 * event, so their subscribers end; runs of the distributed queue live on in Redis and are
 * reconciled with it instead), seed the built-in presets from presets/*.json, and apply the
 * retention rules (server/retention.ts). Finished runs and saved presets are otherwise never touched.
 *
 * A run is refused before it is queued (on either queue) when its plan passes the server's limits
 * (server/run-limits.ts) or the data folder is full of pinned runs. After each run: its
 * artifact bytes are recorded, the prior sessions are trimmed to their memory budget, and the
 * retention rules run again.
 */
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { compactDocument } from '../lib/graph/compact';
import type { GraphDocument } from '../lib/graph/document';
import { migrateDocument } from '../lib/graph/migrate';
import { GraphInvalidError, isSpgdError, SpgdError } from '../lib/errors';
import { compileGraph, type CompileEnv } from '../lib/plan/compile';
import type { CompileResult, Plan, RunsOn } from '../lib/plan/types';
import { NODE_KIT } from '../nodes/runs';
import { Artifacts } from './artifacts';
import { AssetStore } from './assets';
import { LruOutputCache } from './cache';
import { getDb, openDb, type Db } from './db';
import { getPreset, presetByName } from './db/presets';
import { deleteRun, finishRun, insertRun, unfinishedRuns } from './db/runs';
import { runLabel } from './run-label';
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
import { applyRetention, enforceQuota, recordRunBytes, storageUse, type RetentionDeps } from './retention';
import { checkNodeCount, checkRunLimits } from './run-limits';
import { ServerSpeed } from './speed';

export const INTERRUPTED_MESSAGE = 'the server stopped while this run was queued or running; start it again';

export interface StartRunOptions {
  backend?: RunsOn;
  /** 'interactive' (the editor) runs before 'batch' (spgd eval --queue). */
  priority?: RunPriority;
  /** The preset the graph came from: names the run in the history. */
  presetId?: string | null;
  /** Who starts it (null: no credentials configured). */
  owner?: string | null;
}

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
  speed: ServerSpeed;
  seeded: SeedReport;
  interrupted: string[];
  /** The data folder's runs, quota and retention (server/retention.ts). */
  retention: RetentionDeps;
  compile(document: unknown, backend?: RunsOn): Promise<CompileResult>;
  /**
   * Compiles and queues a run; throws GraphInvalidError (code GRAPH_INVALID, with the issues) when
   * the graph does not compile, RunTooLargeError (RUN_TOO_LARGE) when it passes the limits, SpgdError
   * QUEUE_UNAVAILABLE when the queue cannot take it.
   * `presetId`: the preset the graph came from (names the run in the history).
   */
  startRun(document: unknown, options?: StartRunOptions): Promise<{ runId: string; position: number; plan: Plan }>;
  /** What history calls a run of this document (server/run-label.ts). */
  labelFor(document: GraphDocument, presetId?: string | null): string;
  close(): Promise<void>;
}

/** Nodes of a document of any version, counted before it is read any further. */
function rawNodeCount(document: unknown): number {
  const nodes = (document as { nodes?: unknown } | null)?.nodes;
  return nodes !== null && typeof nodes === 'object' ? Object.keys(nodes).length : 0;
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
  const retention: RetentionDeps = { db, artifacts, dbPath: env.dbPath, quotaBytes: env.dataQuotaBytes, keepDays: env.keepRunsDays };
  const recorder = new RunRecorder({
    db,
    log,
    artifacts,
    // Wherever it ran: count its bytes and apply the retention rules again.
    afterFinish: (runId) => {
      recordRunBytes(retention, runId);
      applyRetention(retention, Date.now(), runId);
    },
  });
  const speed = new ServerSpeed(env, priors, assets);
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
    const runJob = createRunJob({ db, recorder, assets, priors, cache, speed });
    queue = new EmbeddedRunQueue({
      db,
      log,
      recorder,
      job: async (runId, signal) => {
        await runJob(runId, signal);
        await priors.trim(env.sessionCacheBytes);
      },
      self: { ...self, id, host: os.hostname(), pid: process.pid, startedAt: Date.now() },
    });
  }
  applyRetention(retention);

  const compileEnv = (backend: RunsOn = 'server'): CompileEnv => ({
    backend,
    inspectPrior: (model, size) => priors.inspect(model, size),
    describeImage: (source) => assets.describeImage(source),
    // Browser plans are priced again in the tab, with its own speeds; here they get the server's.
    throughput: speed.throughput,
    isCached: backend === 'server' ? (key) => cache.has(key) : undefined,
    isWarm: backend === 'server' ? (model, task, pixels) => priors.isWarm(model, task, pixels) : undefined,
    isOpen: backend === 'server' ? (model) => priors.isOpen(model) : undefined,
    storeEmbeddedAssets: (files) => assets.storeEmbedded(files),
  });
  const compile = (document: unknown, backend?: RunsOn) => compileGraph(document, NODE_KIT, compileEnv(backend));

  const labelFor = (document: GraphDocument, presetId?: string | null) => {
    const row = (presetId ? getPreset(db, presetId) : undefined) ?? (document.name ? presetByName(db, document.name) : undefined);
    if (!row) return runLabel(document, null);
    try {
      return runLabel(document, { name: row.name, document: migrateDocument(JSON.parse(row.document), NODE_KIT.definition) });
    } catch {
      return runLabel(document, null);
    }
  };

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
    speed,
    seeded,
    interrupted,
    retention,
    compile,
    labelFor,
    async startRun(document, { backend = 'server', priority = 'interactive', presetId = null, owner = null } = {}) {
      checkNodeCount(rawNodeCount(document), env.runLimits);
      const r = await compile(document, backend);
      if (!r.ok) throw new GraphInvalidError(r.issues);
      checkRunLimits(r.plan, env.runLimits, (type) => NODE_KIT.definition(type)?.title);
      enforceQuota(retention);
      if (storageUse(retention).usedBytes > env.dataQuotaBytes) {
        throw new SpgdError(
          'RUN_TOO_LARGE',
          `the data folder is over its quota (SPGD_DATA_QUOTA_MB = ${env.dataQuotaBytes / 2 ** 20}) and no unpinned run is left to delete: unpin or delete runs, or delete uploads`,
        );
      }
      const seeds: Record<string, number> = {};
      for (const s of r.plan.steps) if (typeof s.params.seed === 'number') seeds[s.node] = s.params.seed;
      const runId = randomUUID();
      // What is stored (and embedded in every PNG the run writes) is the compact document.
      const doc = migrateDocument(document, NODE_KIT.definition);
      const stored = compactDocument(doc, new Map(r.plan.steps.map((s) => [s.node, s.params])));
      insertRun(db, {
        id: runId,
        document: stored,
        graphHash: r.plan.hash,
        plan: r.plan,
        seeds,
        backend,
        queue: queue.kind,
        priority,
        label: labelFor(doc, presetId),
        owner,
      });
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
      await speed.ready;
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
