/** Run records: the queues write them, run.get / run.list read them. */
import type { Db } from './index';
import type { QueueKind, RunRow, RunStatus } from './schema';

export interface NewRun {
  id: string;
  document: unknown;
  graphHash: string;
  plan: unknown;
  seeds: Record<string, number>;
  backend: string;
  /** Who started it (null: no credentials configured). */
  owner?: string | null;
  /** What history calls it (server/run-label.ts). */
  label?: string | null;
  /** The queue that takes it (default 'embedded'). */
  queue?: QueueKind;
  /** Interactive (default) or batch work. */
  priority?: RunRow['priority'];
}

/** The worker that runs (or ran) a run, as the run record keeps it. */
export interface WorkerRef {
  /** Unique per worker process. */
  id: string;
  /** What people call it (`spgd worker --name`), e.g. "gpu-1". */
  name: string;
  host: string;
  pid: number;
  /** Where its networks run: 'cpu', 'cuda' or 'webgpu'. */
  backend: string;
}

export function insertRun(db: Db, r: NewRun, now = Date.now()): void {
  db.prepare(
    `INSERT INTO runs (id, status, document, graph_hash, plan, seeds, backend, created_at, queue, priority, label, owner)
     VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    r.id,
    JSON.stringify(r.document),
    r.graphHash,
    JSON.stringify(r.plan),
    JSON.stringify(r.seeds),
    r.backend,
    now,
    r.queue ?? 'embedded',
    r.priority ?? 'interactive',
    r.label ?? null,
    r.owner ?? null,
  );
}

export function setPinned(db: Db, id: string, pinned: boolean): void {
  db.prepare('UPDATE runs SET pinned = ? WHERE id = ?').run(pinned ? 1 : 0, id);
}

/** Removes a run that was never queued (its queue refused it), with its events. */
export function deleteRun(db: Db, id: string): void {
  db.prepare('DELETE FROM runs WHERE id = ?').run(id);
}

export function getRun(db: Db, id: string): RunRow | undefined {
  return db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?').get(id);
}

/** Marks a run running on `worker` for its `attempt`-th start (the first start time is kept). */
export function setRunning(db: Db, id: string, worker: WorkerRef | null = null, attempt = 1, now = Date.now()): void {
  db.prepare(`UPDATE runs SET status = 'running', started_at = COALESCE(started_at, ?), worker = ?, attempts = ? WHERE id = ?`).run(
    now,
    worker ? JSON.stringify(worker) : null,
    attempt,
    id,
  );
}

/** Puts a run back in line (its worker stopped; it will start again). */
export function setRequeued(db: Db, id: string): void {
  db.prepare(`UPDATE runs SET status = 'queued' WHERE id = ? AND status IN ('queued', 'running')`).run(id);
}

export interface RunEnd {
  status: Exclude<RunStatus, 'queued' | 'running'>;
  seconds?: number | null;
  nfe?: unknown;
  metrics?: unknown;
  error?: { node?: string; code: string; message: string } | null;
  resultPath?: string | null;
  /** Nodes served from the output cache. */
  cached?: readonly string[];
}

export function finishRun(db: Db, id: string, end: RunEnd, now = Date.now()): void {
  db.prepare(
    `UPDATE runs SET status = ?, finished_at = ?, seconds = ?, nfe = ?, metrics = ?, error = ?, result_path = ?, cached = ? WHERE id = ?`,
  ).run(
    end.status,
    now,
    end.seconds ?? null,
    end.nfe === undefined ? null : JSON.stringify(end.nfe),
    end.metrics === undefined ? null : JSON.stringify(end.metrics),
    end.error ? JSON.stringify(end.error) : null,
    end.resultPath ?? null,
    end.cached ? JSON.stringify(end.cached) : null,
    id,
  );
}

/** Marks a run as started at a given time (browser runs are recorded after they ran). */
export function setStartedAt(db: Db, id: string, startedAt: number): void {
  db.prepare(`UPDATE runs SET started_at = ? WHERE id = ?`).run(startedAt, id);
}

/** Newest first; `cursor` is the `seq` of the last row of the previous page. */
export function listRuns(db: Db, limit: number, cursor?: number): RunRow[] {
  return cursor === undefined
    ? db.prepare<[number], RunRow>('SELECT * FROM runs ORDER BY seq DESC LIMIT ?').all(limit)
    : db.prepare<[number, number], RunRow>('SELECT * FROM runs WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(cursor, limit);
}

/** Runs left 'queued' or 'running' (by a killed server, or still in a distributed queue), oldest first; optionally of one queue. */
export function unfinishedRuns(db: Db, queue?: QueueKind): RunRow[] {
  return queue === undefined
    ? db.prepare<[], RunRow>(`SELECT * FROM runs WHERE status IN ('queued', 'running') ORDER BY seq`).all()
    : db.prepare<[string], RunRow>(`SELECT * FROM runs WHERE status IN ('queued', 'running') AND queue = ? ORDER BY seq`).all(queue);
}

/** A value of the queue_state table (e.g. the event stream cursor), or null. */
export function getQueueState(db: Db, key: string): string | null {
  return db.prepare<[string], { value: string }>('SELECT value FROM queue_state WHERE key = ?').get(key)?.value ?? null;
}

export function setQueueState(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO queue_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
}
