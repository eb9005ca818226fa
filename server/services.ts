/**
 * The server's state, built once per process (cached on globalThis so Next's hot reload does
 * not build it twice): env, SQLite, the event log, the run queue and its worker, assets,
 * priors, artifacts and the node-output cache. Reached by routers only through the tRPC
 * context.
 *
 * Start-up, in order: open the database (tables created by the migrations), mark runs that a
 * killed server left 'queued' or 'running' as 'interrupted' (with an error event, so their
 * subscribers end), seed the built-in presets from presets/*.json, and apply the retention
 * rules (server/retention.ts). Finished runs and saved presets are otherwise never touched.
 *
 * A run is refused before it is queued when its plan passes the server's limits
 * (server/run-limits.ts) or the data folder is full of pinned runs. After each run: its
 * artifact bytes are recorded, the prior sessions are trimmed to their memory budget, and the
 * retention rules run again.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { compactDocument } from '../lib/graph/compact';
import { migrateDocument } from '../lib/graph/migrate';
import { GraphInvalidError, SpgdError } from '../lib/errors';
import { compileGraph, type CompileEnv } from '../lib/plan/compile';
import type { CompileResult, Plan, RunsOn } from '../lib/plan/types';
import { NODE_KIT } from '../nodes/runs';
import { Artifacts } from './artifacts';
import { AssetStore } from './assets';
import { LruOutputCache } from './cache';
import { getDb, openDb, type Db } from './db';
import { finishRun, insertRun, unfinishedRuns } from './db/runs';
import { loadEnv, type Env } from './env';
import { seedBuiltInPresets, type SeedReport } from './presets';
import { PriorRegistry } from './priors';
import { RunEventLog } from './queue/events';
import { RunQueue } from './queue/index';
import { createRunJob } from './queue/runner';
import { applyRetention, enforceQuota, recordRunBytes, storageUse, type RetentionDeps } from './retention';
import { checkNodeCount, checkRunLimits } from './run-limits';

export const INTERRUPTED_MESSAGE = 'the server stopped while this run was queued or running; start it again';

export interface Services {
  env: Env;
  db: Db;
  log: RunEventLog;
  queue: RunQueue;
  assets: AssetStore;
  priors: PriorRegistry;
  artifacts: Artifacts;
  cache: LruOutputCache;
  seeded: SeedReport;
  interrupted: string[];
  /** The data folder's runs, quota and retention (server/retention.ts). */
  retention: RetentionDeps;
  compile(document: unknown, backend?: RunsOn): Promise<CompileResult>;
  /**
   * Compiles and queues a run; throws GraphInvalidError (code GRAPH_INVALID, with the issues) when
   * the graph does not compile, RunTooLargeError (RUN_TOO_LARGE) when it passes the limits.
   */
  startRun(document: unknown, options?: { backend?: RunsOn; owner?: string | null }): Promise<{ runId: string; position: number; plan: Plan }>;
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

/** Marks runs left 'queued' or 'running' by a killed server as 'interrupted'. */
function recoverInterruptedRuns(db: Db, log: RunEventLog): string[] {
  const rows = unfinishedRuns(db);
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
  const interrupted = recoverInterruptedRuns(db, log);
  const seeded = seedBuiltInPresets(db, path.join(env.appRoot, 'presets'));
  const assets = new AssetStore(db, env);
  const priors = new PriorRegistry(assets, env);
  const artifacts = new Artifacts(env.dataDir);
  const cache = new LruOutputCache(env.cacheBytes);
  const retention: RetentionDeps = { db, artifacts, dbPath: env.dbPath, quotaBytes: env.dataQuotaBytes, keepDays: env.keepRunsDays };
  const runJob = createRunJob({ db, log, assets, priors, artifacts, cache });
  const queue = new RunQueue({
    db,
    log,
    job: async (runId, signal) => {
      await runJob(runId, signal);
      recordRunBytes(retention, runId);
      await priors.trim(env.sessionCacheBytes);
      applyRetention(retention);
    },
  });
  applyRetention(retention);

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
    assets,
    priors,
    artifacts,
    cache,
    seeded,
    interrupted,
    retention,
    compile,
    async startRun(document, { backend = 'server', owner = null } = {}) {
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
      const stored = compactDocument(migrateDocument(document, NODE_KIT.definition), new Map(r.plan.steps.map((s) => [s.node, s.params])));
      insertRun(db, { id: runId, document: stored, graphHash: r.plan.hash, plan: r.plan, seeds, backend, owner });
      const position = queue.enqueue(runId);
      return { runId, position, plan: r.plan };
    },
    async close() {
      await queue.shutdown();
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
