import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testGraph } from '../nodes/testing';
import { Artifacts } from './artifacts';
import { openDb } from './db';
import { finishRun, getRun, insertRun, setPinned } from './db/runs';
import { applyRetention, deleteRun, enforceQuota, folderBytes, pruneRuns, recordRunBytes, storageUse, type RetentionDeps } from './retention';
import { tempDataDir } from './testing';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const DAY = 86_400_000;
const plan = { hash: 'h', steps: [], nfe: { forward: 0, vjp: 0 }, estimate: { seconds: 0, memoryMB: 0 }, primary: null, models: [] };

/** A data folder with runs of `kb` KiB of artifacts each, created `ageDays` ago, oldest first. */
function setup(runs: { id: string; kb: number; ageDays: number; status?: 'finished' | 'running'; owner?: string }[], quotaBytes = 1e12, keepDays = 0): RetentionDeps {
  const dataDir = tempDataDir();
  dirs.push(dataDir);
  const db = openDb(':memory:');
  const artifacts = new Artifacts(dataDir);
  const deps = { db, artifacts, dbPath: ':memory:', quotaBytes, keepDays };
  for (const r of runs) {
    insertRun(db, { id: r.id, document: testGraph(), graphHash: 'h', plan, seeds: {}, backend: 'server', owner: r.owner ?? null }, Date.now() - r.ageDays * DAY);
    if (r.status !== 'running') finishRun(db, r.id, { status: 'finished' });
    else db.prepare(`UPDATE runs SET status = 'running' WHERE id = ?`).run(r.id);
    fs.mkdirSync(artifacts.runDir(r.id), { recursive: true });
    fs.writeFileSync(path.join(artifacts.runDir(r.id), 'result.png'), Buffer.alloc(r.kb * 1024));
    recordRunBytes(deps, r.id);
  }
  return deps;
}

const ids = (d: RetentionDeps) => (d.db.prepare('SELECT id FROM runs ORDER BY seq').all() as { id: string }[]).map((r) => r.id);

describe('retention', () => {
  it('records the bytes of a run and adds runs, uploads and the database up', () => {
    const d = setup([
      { id: 'a', kb: 10, ageDays: 1 },
      { id: 'b', kb: 20, ageDays: 0 },
    ]);
    expect(getRun(d.db, 'a')?.bytes).toBe(10 * 1024);
    expect(folderBytes(d.artifacts.runDir('b'))).toBe(20 * 1024);
    expect(storageUse(d)).toMatchObject({ usedBytes: 30 * 1024, runs: { count: 2, bytes: 30 * 1024, pinned: 0 }, uploadsBytes: 0 });
  });

  it('deletes a run with its folder and events', () => {
    const d = setup([{ id: 'a', kb: 1, ageDays: 0 }]);
    d.db.prepare(`INSERT INTO run_events (run_id, seq, type, at, payload) VALUES ('a', 1, 'queued', 0, '{}')`).run();
    deleteRun(d, 'a');
    expect(ids(d)).toEqual([]);
    expect(fs.existsSync(d.artifacts.runDir('a'))).toBe(false);
    expect(d.db.prepare('SELECT COUNT(*) AS n FROM run_events').get()).toEqual({ n: 0 });
  });

  it('prunes unpinned, ended runs older than the cutoff (one owner only, when given)', () => {
    const d = setup([
      { id: 'old', kb: 1, ageDays: 40, owner: 'alice' },
      { id: 'old-bob', kb: 1, ageDays: 40, owner: 'bob' },
      { id: 'old-pinned', kb: 1, ageDays: 40 },
      { id: 'old-running', kb: 1, ageDays: 40, status: 'running' },
      { id: 'new', kb: 1, ageDays: 1 },
    ]);
    setPinned(d.db, 'old-pinned', true);
    expect(pruneRuns(d, Date.now() - 30 * DAY, 'alice')).toEqual(['old']);
    expect(pruneRuns(d, Date.now() - 30 * DAY)).toEqual(['old-bob']);
    expect(ids(d)).toEqual(['old-pinned', 'old-running', 'new']);
  });

  it('past the quota deletes the oldest unpinned runs until the folder fits', () => {
    const d = setup(
      [
        { id: 'a', kb: 100, ageDays: 5 },
        { id: 'b', kb: 100, ageDays: 4 },
        { id: 'c', kb: 100, ageDays: 3 },
        { id: 'd', kb: 100, ageDays: 2 },
      ],
      250 * 1024,
    );
    setPinned(d.db, 'a', true);
    expect(enforceQuota(d)).toEqual(['b', 'c']);
    expect(ids(d)).toEqual(['a', 'd']);
    expect(storageUse(d).usedBytes).toBeLessThanOrEqual(250 * 1024);
    expect(enforceQuota(d)).toEqual([]);
  });

  it('never deletes the run that has just ended, even when it alone is over the quota', () => {
    const d = setup(
      [
        { id: 'a', kb: 100, ageDays: 2 },
        { id: 'b', kb: 300, ageDays: 0 },
      ],
      250 * 1024,
    );
    expect(applyRetention(d, Date.now(), 'b')).toEqual(['a']);
    expect(ids(d)).toEqual(['b']);
    // the next run's start is free to make room
    expect(enforceQuota(d)).toEqual(['b']);
  });

  it('counts the database pages in use, not its journal, and a deleted run gives its pages back', () => {
    const dataDir = tempDataDir();
    dirs.push(dataDir);
    const dbPath = path.join(dataDir, 'spgd.sqlite');
    const db = openDb(dbPath);
    const d: RetentionDeps = { db, artifacts: new Artifacts(dataDir), dbPath, quotaBytes: 1e12, keepDays: 0 };
    const empty = storageUse(d).databaseBytes;
    insertRun(db, { id: 'a', document: testGraph(), graphHash: 'h', plan, seeds: {}, backend: 'server', owner: null });
    finishRun(db, 'a', { status: 'finished' });
    const insert = db.prepare(`INSERT INTO run_events (run_id, seq, type, at, payload) VALUES ('a', ?, 'progress', 0, ?)`);
    for (let i = 1; i <= 500; i++) insert.run(i, 'x'.repeat(2000));
    const full = storageUse(d).databaseBytes;
    // 1 MB of events, all of it still in the write-ahead journal (no checkpoint yet)
    expect(full - empty).toBeGreaterThan(1e6);
    expect(full - empty).toBeLessThan(3e6);
    expect(fs.statSync(`${dbPath}-wal`).size).toBeGreaterThan(1e6);
    deleteRun(d, 'a');
    expect(storageUse(d).databaseBytes - empty).toBeLessThan(0.1e6);
    db.close();
  });

  it('applies the age rule when SPGD_KEEP_RUNS_DAYS is set, then the quota', () => {
    const d = setup(
      [
        { id: 'a', kb: 1, ageDays: 10 },
        { id: 'b', kb: 1, ageDays: 1 },
      ],
      1e12,
      7,
    );
    expect(applyRetention(d)).toEqual(['a']);
    expect(ids(d)).toEqual(['b']);
  });
});
