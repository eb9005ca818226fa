/**
 * The SQLite schema as plain SQL migrations, applied in order and tracked with
 * `PRAGMA user_version`. Never edit a migration that has shipped: append a new one.
 *
 * Tables:
 * - presets: graph documents with a name (unique, case-insensitive), description, tags (JSON),
 *   thumbnail; `built_in` rows come from presets/*.json and cannot be changed by users.
 * - runs: every run with its graph document, plan, content hash, seeds, backend, timings,
 *   NFE, metrics, error and result artifact; `seq` orders them for paging.
 * - run_events: the events of each run in order (`seq` per run is the tracked() id), so
 *   `run.events` can backfill after a reconnect or a restart.
 * - assets: uploaded images and models by sha256, with where they are stored.
 * - runs.queue / worker / attempts / priority (3): which queue took the run ('embedded' or
 *   'bullmq'), the worker that runs or ran it (JSON { id, name, host, pid, backend }), how often
 *   it started, and whether it is interactive or batch work.
 * - queue_state (3): the distributed queue's cursor in the workers' event stream, so a restarted
 *   server ingests what the workers sent while it was down, exactly once.
 * - runs.label / cached (4): the preset a run came from and the params that differ from it
 *   (server/run-label.ts), and the JSON list of nodes served from the output cache ("from cache").
 *
 * - users (5): named users (`spgd users add`) with the sha256 of their token and an admin flag.
 * - sessions (5): browser logins (the sha256 of the cookie) and whose they are, until they expire.
 * - presets.owner / runs.owner / pinned / bytes (5): presets and runs record their owner (null:
 *   made while the server had no users or token); runs can be pinned (kept by prune and quota
 *   eviction) and record the bytes of their artifacts.
 *
 * Migration 2 rebuilds assets to allow the 'array' kind (.npy masks and kernels).
 */
export const MIGRATIONS: readonly string[] = [
  /* 1 */ `
  CREATE TABLE presets (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '[]',
    document    TEXT NOT NULL,
    built_in    INTEGER NOT NULL DEFAULT 0,
    thumbnail   TEXT,
    source_hash TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX presets_name ON presets (name COLLATE NOCASE);

  CREATE TABLE runs (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    status      TEXT NOT NULL CHECK (status IN ('queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted')),
    document    TEXT NOT NULL,
    graph_hash  TEXT NOT NULL,
    plan        TEXT NOT NULL,
    seeds       TEXT NOT NULL DEFAULT '{}',
    backend     TEXT NOT NULL DEFAULT 'server',
    created_at  INTEGER NOT NULL,
    started_at  INTEGER,
    finished_at INTEGER,
    seconds     REAL,
    nfe         TEXT,
    metrics     TEXT,
    error       TEXT,
    result_path TEXT
  );
  CREATE INDEX runs_status ON runs (status);

  CREATE TABLE run_events (
    run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    seq     INTEGER NOT NULL,
    type    TEXT NOT NULL,
    at      INTEGER NOT NULL,
    payload TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE assets (
    sha256     TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('image', 'model')),
    name       TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    path       TEXT NOT NULL,
    meta       TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
  );
  `,
  // 2: arrays (.npy masks and kernels) as a third kind of asset; SQLite cannot alter a CHECK, so the table is rebuilt.
  `
  CREATE TABLE assets_v2 (
    sha256     TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('image', 'model', 'array')),
    name       TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    path       TEXT NOT NULL,
    meta       TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
  );
  INSERT INTO assets_v2 SELECT sha256, kind, name, bytes, path, meta, created_at FROM assets;
  DROP TABLE assets;
  ALTER TABLE assets_v2 RENAME TO assets;
  `,
  // 3: the distributed queue: which queue took each run, its worker, attempts and priority; the event-stream cursor.
  `
  ALTER TABLE runs ADD COLUMN queue TEXT NOT NULL DEFAULT 'embedded';
  ALTER TABLE runs ADD COLUMN worker TEXT;
  ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN priority TEXT NOT NULL DEFAULT 'interactive';

  CREATE TABLE queue_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 4: runs get a label (preset and changed params) and the nodes served from the output cache.
  `
  ALTER TABLE runs ADD COLUMN label TEXT;
  ALTER TABLE runs ADD COLUMN cached TEXT;
  `,
  // 5: owners of presets and runs, pinned runs and their bytes on disk, users and login sessions.
  `
  ALTER TABLE presets ADD COLUMN owner TEXT;
  ALTER TABLE runs ADD COLUMN owner TEXT;
  ALTER TABLE runs ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX runs_created ON runs (created_at);

  CREATE TABLE users (
    name       TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    admin      INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    principal  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  `,
];

export type RunStatus = 'queued' | 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted';
export const TERMINAL_STATUSES: readonly RunStatus[] = ['finished', 'failed', 'cancelled', 'interrupted'];

export interface PresetRow {
  id: string;
  name: string;
  description: string;
  tags: string;
  document: string;
  built_in: number;
  thumbnail: string | null;
  source_hash: string | null;
  created_at: number;
  updated_at: number;
  owner: string | null;
}

export interface RunRow {
  seq: number;
  id: string;
  status: RunStatus;
  document: string;
  graph_hash: string;
  plan: string;
  seeds: string;
  backend: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  seconds: number | null;
  nfe: string | null;
  metrics: string | null;
  error: string | null;
  result_path: string | null;
  queue: QueueKind;
  /** JSON WorkerRef, once a worker took the run. */
  worker: string | null;
  attempts: number;
  priority: 'interactive' | 'batch';
  label: string | null;
  cached: string | null;
  owner: string | null;
  pinned: number;
  /** Bytes of its artifacts under <data dir>/runs/<id>, counted when it ended. */
  bytes: number;
}

export interface UserRow {
  name: string;
  token_hash: string;
  admin: number;
  created_at: number;
}

export interface SessionRow {
  id_hash: string;
  /** A user's name, or the shared token's principal. */
  principal: string;
  created_at: number;
  expires_at: number;
}

/** Which run queue took a run: the in-process one, or BullMQ on Redis. */
export type QueueKind = 'embedded' | 'bullmq';

export interface RunEventRow {
  run_id: string;
  seq: number;
  type: string;
  at: number;
  payload: string;
}

export interface AssetRow {
  sha256: string;
  kind: 'image' | 'model' | 'array';
  name: string;
  bytes: number;
  path: string;
  meta: string;
  created_at: number;
}
