/** Run records: the queue writes them, run.get / run.list read them. */
import type { Db } from './index';
import type { RunRow, RunStatus } from './schema';

export interface NewRun {
  id: string;
  document: unknown;
  graphHash: string;
  plan: unknown;
  seeds: Record<string, number>;
  backend: string;
  /** Who started it (null: no credentials configured). */
  owner?: string | null;
}

export function insertRun(db: Db, r: NewRun, now = Date.now()): void {
  db.prepare(
    `INSERT INTO runs (id, status, document, graph_hash, plan, seeds, backend, created_at, owner)
     VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?)`,
  ).run(r.id, JSON.stringify(r.document), r.graphHash, JSON.stringify(r.plan), JSON.stringify(r.seeds), r.backend, now, r.owner ?? null);
}

export function setPinned(db: Db, id: string, pinned: boolean): void {
  db.prepare('UPDATE runs SET pinned = ? WHERE id = ?').run(pinned ? 1 : 0, id);
}

export function getRun(db: Db, id: string): RunRow | undefined {
  return db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?').get(id);
}

export function setRunning(db: Db, id: string, now = Date.now()): void {
  db.prepare(`UPDATE runs SET status = 'running', started_at = ? WHERE id = ?`).run(now, id);
}

export interface RunEnd {
  status: Exclude<RunStatus, 'queued' | 'running'>;
  seconds?: number | null;
  nfe?: unknown;
  metrics?: unknown;
  error?: { node?: string; code: string; message: string } | null;
  resultPath?: string | null;
}

export function finishRun(db: Db, id: string, end: RunEnd, now = Date.now()): void {
  db.prepare(
    `UPDATE runs SET status = ?, finished_at = ?, seconds = ?, nfe = ?, metrics = ?, error = ?, result_path = ? WHERE id = ?`,
  ).run(
    end.status,
    now,
    end.seconds ?? null,
    end.nfe === undefined ? null : JSON.stringify(end.nfe),
    end.metrics === undefined ? null : JSON.stringify(end.metrics),
    end.error ? JSON.stringify(end.error) : null,
    end.resultPath ?? null,
    id,
  );
}

/** Newest first; `cursor` is the `seq` of the last row of the previous page. */
export function listRuns(db: Db, limit: number, cursor?: number): RunRow[] {
  return cursor === undefined
    ? db.prepare<[number], RunRow>('SELECT * FROM runs ORDER BY seq DESC LIMIT ?').all(limit)
    : db.prepare<[number, number], RunRow>('SELECT * FROM runs WHERE seq < ? ORDER BY seq DESC LIMIT ?').all(cursor, limit);
}

/** Runs a killed server left 'queued' or 'running'. */
export function unfinishedRuns(db: Db): RunRow[] {
  return db.prepare<[], RunRow>(`SELECT * FROM runs WHERE status IN ('queued', 'running') ORDER BY seq`).all();
}
