/**
 * How the data folder stays bounded: runs can be deleted one by one, pruned (every unpinned run
 * older than N days), and past the quota (SPGD_DATA_QUOTA_MB) the oldest unpinned runs are
 * deleted until the folder fits again. Pinned runs, queued and running runs, presets and
 * uploads are never deleted here. Each run's artifact bytes are counted once, when it ends.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Artifacts } from './artifacts';
import type { Db } from './db';
import type { RunRow } from './db/schema';

export interface StorageUse {
  /** Run artifacts + uploads + the database. */
  usedBytes: number;
  quotaBytes: number;
  runs: { count: number; bytes: number; pinned: number };
  uploadsBytes: number;
  databaseBytes: number;
  /** Unpinned runs older than this many days are deleted (0: kept until the quota needs the room). */
  keepDays: number;
}

export interface RetentionDeps {
  db: Db;
  artifacts: Artifacts;
  dbPath: string;
  quotaBytes: number;
  keepDays: number;
}

const TERMINAL = `status IN ('finished', 'failed', 'cancelled', 'interrupted')`;

/** Bytes of the files under a folder (0 when it does not exist). */
export function folderBytes(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += folderBytes(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

function fileBytes(p: string): number {
  try {
    return fs.statSync(p).size;
  } catch {
    return 0;
  }
}

/** Counts and records the bytes of a run's artifacts (called when it ends). */
export function recordRunBytes(d: Pick<RetentionDeps, 'db' | 'artifacts'>, runId: string): number {
  const bytes = folderBytes(d.artifacts.runDir(runId));
  d.db.prepare('UPDATE runs SET bytes = ? WHERE id = ?').run(bytes, runId);
  return bytes;
}

export function storageUse(d: RetentionDeps): StorageUse {
  const runs = d.db.prepare<[], { count: number; bytes: number | null; pinned: number | null }>('SELECT COUNT(*) AS count, SUM(bytes) AS bytes, SUM(pinned) AS pinned FROM runs').get();
  const uploads = d.db.prepare<[], { bytes: number | null }>('SELECT SUM(bytes) AS bytes FROM assets').get();
  const databaseBytes = d.dbPath === ':memory:' ? 0 : fileBytes(d.dbPath) + fileBytes(`${d.dbPath}-wal`);
  const runsBytes = runs?.bytes ?? 0;
  const uploadsBytes = uploads?.bytes ?? 0;
  return {
    usedBytes: runsBytes + uploadsBytes + databaseBytes,
    quotaBytes: d.quotaBytes,
    runs: { count: runs?.count ?? 0, bytes: runsBytes, pinned: runs?.pinned ?? 0 },
    uploadsBytes,
    databaseBytes,
    keepDays: d.keepDays,
  };
}

/** Deletes a run's artifacts and its row (its events go with it). */
export function deleteRun(d: Pick<RetentionDeps, 'db' | 'artifacts'>, runId: string): void {
  // Row first: a crash in between leaves an orphan folder, never a run whose files are gone.
  d.db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
  fs.rmSync(d.artifacts.runDir(runId), { recursive: true, force: true });
}

/** Deletes every unpinned, ended run created before `before` (of `owner` only, when given); returns their ids. */
export function pruneRuns(d: Pick<RetentionDeps, 'db' | 'artifacts'>, before: number, owner?: string): string[] {
  const rows =
    owner === undefined
      ? d.db.prepare<[number], Pick<RunRow, 'id'>>(`SELECT id FROM runs WHERE pinned = 0 AND ${TERMINAL} AND created_at < ?`).all(before)
      : d.db.prepare<[number, string], Pick<RunRow, 'id'>>(`SELECT id FROM runs WHERE pinned = 0 AND ${TERMINAL} AND created_at < ? AND owner = ?`).all(before, owner);
  for (const r of rows) deleteRun(d, r.id);
  return rows.map((r) => r.id);
}

/**
 * Deletes the oldest unpinned, ended runs until the data folder fits its quota (measured again
 * after each: deleting rows grows the database's journal a little); returns their ids.
 */
export function enforceQuota(d: RetentionDeps): string[] {
  const deleted: string[] = [];
  const oldest = d.db.prepare<[], Pick<RunRow, 'id'>>(`SELECT id FROM runs WHERE pinned = 0 AND ${TERMINAL} ORDER BY seq LIMIT 1`);
  while (storageUse(d).usedBytes > d.quotaBytes) {
    const r = oldest.get();
    if (!r) break;
    deleteRun(d, r.id);
    deleted.push(r.id);
  }
  return deleted;
}

/** The age-based prune (when SPGD_KEEP_RUNS_DAYS is set), then the quota. */
export function applyRetention(d: RetentionDeps, now = Date.now()): string[] {
  const pruned = d.keepDays > 0 ? pruneRuns(d, now - d.keepDays * 86_400_000) : [];
  return [...pruned, ...enforceQuota(d)];
}
