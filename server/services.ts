/**
 * The server's state, built once per process (cached on globalThis so Next's hot reload does
 * not build it twice): env, SQLite, the event log, the run queue and its worker, assets,
 * priors, artifacts and the node-output cache. Reached by routers only through the tRPC
 * context.
 *
 * Start-up, in order: open the database (tables created by the migrations), mark runs that a
 * killed server left 'queued' or 'running' as 'interrupted' (with an error event, so their
 * subscribers end), and seed the built-in presets from presets/*.json. Finished runs and
 * saved presets are never touched.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { migrateDocument } from '../lib/graph/migrate';
import { GraphInvalidError } from '../lib/errors';
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
  compile(document: unknown, backend?: RunsOn): Promise<CompileResult>;
  /** Compiles and queues a run; throws GraphInvalidError (code GRAPH_INVALID, with the issues) when the graph does not compile. */
  startRun(document: unknown, backend?: RunsOn): Promise<{ runId: string; position: number; plan: Plan }>;
  close(): Promise<void>;
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
  const queue = new RunQueue({ db, log, job: createRunJob({ db, log, assets, priors, artifacts, cache }) });

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
    compile,
    async startRun(document, backend = 'server') {
      const r = await compile(document, backend);
      if (!r.ok) throw new GraphInvalidError(r.issues);
      const seeds: Record<string, number> = {};
      for (const s of r.plan.steps) if (typeof s.params.seed === 'number') seeds[s.node] = s.params.seed;
      const runId = randomUUID();
      insertRun(db, { id: runId, document: migrateDocument(document, NODE_KIT.definition), graphHash: r.plan.hash, plan: r.plan, seeds, backend });
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
