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
import type { GraphDocument } from '../lib/graph/document';
import { migrateDocument } from '../lib/graph/migrate';
import { GraphInvalidError } from '../lib/errors';
import { compileGraph, type CompileEnv } from '../lib/plan/compile';
import type { CompileResult, Plan, RunsOn } from '../lib/plan/types';
import { NODE_KIT } from '../nodes/runs';
import { Artifacts } from './artifacts';
import { AssetStore } from './assets';
import { LruOutputCache } from './cache';
import { getDb, openDb, type Db } from './db';
import { getPreset, presetByName } from './db/presets';
import { finishRun, insertRun, unfinishedRuns } from './db/runs';
import { runLabel } from './run-label';
import { loadEnv, type Env } from './env';
import { seedBuiltInPresets, type SeedReport } from './presets';
import { PriorRegistry } from './priors';
import { RunEventLog } from './queue/events';
import { RunQueue } from './queue/index';
import { createRunJob } from './queue/runner';
import { ServerSpeed } from './speed';

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
  speed: ServerSpeed;
  seeded: SeedReport;
  interrupted: string[];
  compile(document: unknown, backend?: RunsOn): Promise<CompileResult>;
  /**
   * Compiles and queues a run; throws GraphInvalidError (code GRAPH_INVALID, with the issues) when
   * the graph does not compile. `presetId`: the preset the graph came from (names the run).
   */
  startRun(document: unknown, backend?: RunsOn, presetId?: string | null): Promise<{ runId: string; position: number; plan: Plan }>;
  /** What history calls a run of this document (server/run-label.ts). */
  labelFor(document: GraphDocument, presetId?: string | null): string;
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
  const speed = new ServerSpeed(env, priors, assets);
  const queue = new RunQueue({ db, log, job: createRunJob({ db, log, assets, priors, artifacts, cache, speed }) });

  const compileEnv = (backend: RunsOn = 'server'): CompileEnv => ({
    backend,
    inspectPrior: (model, size) => priors.inspect(model, size),
    describeImage: (source) => assets.describeImage(source),
    // Browser plans are priced again in the tab, with its own speeds; here they get the server's.
    throughput: speed.throughput,
    isCached: backend === 'server' ? (key) => cache.has(key) : undefined,
    isWarm: backend === 'server' ? (model, task, pixels) => priors.isWarm(model, task, pixels) : undefined,
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
    assets,
    priors,
    artifacts,
    cache,
    speed,
    seeded,
    interrupted,
    compile,
    labelFor,
    async startRun(document, backend = 'server', presetId = null) {
      const r = await compile(document, backend);
      if (!r.ok) throw new GraphInvalidError(r.issues);
      const seeds: Record<string, number> = {};
      for (const s of r.plan.steps) if (typeof s.params.seed === 'number') seeds[s.node] = s.params.seed;
      const runId = randomUUID();
      const doc = migrateDocument(document, NODE_KIT.definition);
      insertRun(db, { id: runId, document: doc, graphHash: r.plan.hash, plan: r.plan, seeds, backend, label: labelFor(doc, presetId) });
      const position = queue.enqueue(runId);
      return { runId, position, plan: r.plan };
    },
    async close() {
      await speed.ready;
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
