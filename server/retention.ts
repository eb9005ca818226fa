/**
 * How the data folder stays bounded: runs can be deleted one by one, pruned (every unpinned run
 * older than N days), and past the quota (SPGD_DATA_QUOTA_MB) the oldest unpinned runs are
 * deleted until the folder fits again. Pinned runs, queued and running runs, the run that has
 * just ended, presets and uploads are never deleted here. Each run's artifact bytes are counted
 * once, when it ends.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Artifacts } from './artifacts';
import type { Db } from './db';
import type { RunRow } from './db/schema';

export interface StorageUse {
  /** Run artifacts + uploads + the database's pages in use. */
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

/**
 * The bytes of the database's pages in use. Not the file sizes: the write-ahead journal grows by
 * every event written and shrinks only at SQLite's checkpoints (every ~4 MB), and pages freed by
 * deleted rows stay in the file for reuse, so the files would make the quota evict runs at random
 * and never see a deletion pay off.
 */
function databaseBytes(d: Pick<RetentionDeps, 'db' | 'dbPath'>): number {
  if (d.dbPath === ':memory:') return 0;
  const pragma = (name: string) => d.db.pragma(name, { simple: true }) as number;
  return (pragma('page_count') - pragma('freelist_count')) * pragma('page_size');
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
  const dbBytes = databaseBytes(d);
  const runsBytes = runs?.bytes ?? 0;
  const uploadsBytes = uploads?.bytes ?? 0;
  return {
    usedBytes: runsBytes + uploadsBytes + dbBytes,
    quotaBytes: d.quotaBytes,
    runs: { count: runs?.count ?? 0, bytes: runsBytes, pinned: runs?.pinned ?? 0 },
    uploadsBytes,
    databaseBytes: dbBytes,
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
 * after each, since a run's events free database pages too); returns their ids. `keep` (the run
 * that has just ended) is never one of them: its user has not seen it yet.
 */
export function enforceQuota(d: RetentionDeps, keep?: string): string[] {
  const deleted: string[] = [];
  const oldest = d.db.prepare<[string], Pick<RunRow, 'id'>>(`SELECT id FROM runs WHERE pinned = 0 AND ${TERMINAL} AND id != ? ORDER BY seq LIMIT 1`);
  while (storageUse(d).usedBytes > d.quotaBytes) {
    const r = oldest.get(keep ?? '');
    if (!r) break;
    deleteRun(d, r.id);
    deleted.push(r.id);
  }
  return deleted;
}

/** The age-based prune (when SPGD_KEEP_RUNS_DAYS is set), then the quota; `keep` as for enforceQuota. */
export function applyRetention(d: RetentionDeps, now = Date.now(), keep?: string): string[] {
  const pruned = d.keepDays > 0 ? pruneRuns(d, now - d.keepDays * 86_400_000) : [];
  return [...pruned, ...enforceQuota(d, keep)];
}
