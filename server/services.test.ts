import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testGraph } from '../nodes/testing';
import Database from 'better-sqlite3';
import { openDb } from './db';
import { MIGRATIONS } from './db/schema';
import { insertPreset } from './db/presets';
import { finishRun, getRun, insertRun, setRunning } from './db/runs';
import { INTERRUPTED_MESSAGE } from './services';
import { BUILT_IN_PRESET_COUNT, collectEvents, tempDataDir, testServer, type TestServer } from './testing';

const open: TestServer[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
const start = (env: Record<string, string>, dir?: string) => {
  const s = testServer(env, dir);
  open.push(s);
  return s;
};

describe('server start-up', () => {
  it('marks runs a killed server left running or queued as interrupted, and loses no finished run or preset', async () => {
    const dir = tempDataDir();
    const env = { SPGD_DB: path.join(dir, 'spgd.sqlite') };
    const first = start(env, dir);
    const db = first.services.db;
    const doc = testGraph();
    const plan = { hash: 'h', steps: [], nfe: { forward: 0, vjp: 0 }, estimate: { seconds: 0, memoryMB: 0 }, primary: null };
    for (const id of ['was-running', 'was-queued', 'was-finished']) insertRun(db, { id, document: doc, graphHash: 'h', plan, seeds: {}, backend: 'server' });
    setRunning(db, 'was-running');
    first.services.log.append('was-running', { type: 'started', nfe: { forward: 0, vjp: 0 }, estimate: { seconds: 0, memoryMB: 0 } });
    setRunning(db, 'was-finished');
    finishRun(db, 'was-finished', { status: 'finished', seconds: 1.5, metrics: { psnr: 20, residual: 1 } });
    const { id: presetId } = await first.caller.presets.save({ name: 'mine', document: doc });
    // the process dies: no shutdown, the database file is simply reopened by the next one
    open.splice(0);
    db.close();

    const second = start(env, dir);
    expect(second.services.interrupted.sort()).toEqual(['was-queued', 'was-running']);
    for (const id of ['was-running', 'was-queued']) {
      const run = await second.caller.run.get({ runId: id });
      expect(run.status).toBe('interrupted');
      expect(run.error).toEqual({ code: 'INTERRUPTED', message: INTERRUPTED_MESSAGE });
    }
    // subscribers of an interrupted run get its history and the error, then the stream ends
    const events = await collectEvents(second.caller, 'was-running');
    expect(events.map((e) => e.type)).toEqual(['started', 'error']);
    expect(await second.caller.run.get({ runId: 'was-finished' })).toMatchObject({ status: 'finished', seconds: 1.5, metrics: { psnr: 20, residual: 1 } });
    expect((await second.caller.presets.get({ id: presetId })).name).toBe('mine');
    // the built-ins are not inserted twice
    expect(second.services.seeded.inserted).toEqual([]);
    expect((await second.caller.presets.list()).filter((p) => p.builtIn)).toHaveLength(BUILT_IN_PRESET_COUNT);
  });

  it('seeds built-ins without touching a user preset that holds the same name, and refreshes changed built-in files', async () => {
    const dir = tempDataDir();
    const dbFile = path.join(dir, 'spgd.sqlite');
    const db = openDb(dbFile);
    const doc = testGraph();
    insertPreset(db, { id: 'user-1', name: 'SPGD: 4x super-resolution', description: 'mine', tags: [], document: doc, builtIn: false, thumbnail: null });
    insertPreset(db, { id: 'builtin-spgd-inpaint-box', name: 'old name', description: '', tags: [], document: doc, builtIn: true, thumbnail: null, sourceHash: 'old' });
    db.close();
    const s = start({ SPGD_DB: dbFile }, dir);
    expect(s.services.seeded.updated).toEqual(['builtin-spgd-inpaint-box']);
    expect(await s.caller.presets.get({ id: 'user-1' })).toMatchObject({ name: 'SPGD: 4x super-resolution', description: 'mine', builtIn: false });
    expect(await s.caller.presets.get({ id: 'builtin-spgd-sr-x4' })).toMatchObject({ name: 'SPGD: 4x super-resolution (built-in)', builtIn: true });
    expect((await s.caller.presets.get({ id: 'builtin-spgd-inpaint-box' })).name).toMatch(/^SPGD: box inpainting/);
  });

  it('migrates a version-1 database: its assets survive and arrays can be stored', () => {
    const dir = tempDataDir();
    const file = path.join(dir, 'v1.sqlite');
    const old = new Database(file);
    old.exec(MIGRATIONS[0]);
    old.pragma('user_version = 1');
    old.prepare(`INSERT INTO assets (sha256, kind, name, bytes, path, meta, created_at) VALUES ('ab', 'image', 'a.png', 3, '/x', '{}', 1)`).run();
    old.close();
    const db = openDb(file);
    expect(db.prepare('SELECT sha256, kind, name FROM assets').all()).toEqual([{ sha256: 'ab', kind: 'image', name: 'a.png' }]);
    db.prepare(`INSERT INTO assets (sha256, kind, name, bytes, path, meta, created_at) VALUES ('cd', 'array', 'm.npy', 3, '/y', '{}', 2)`).run();
    expect(() => db.prepare(`INSERT INTO assets (sha256, kind, name, bytes, path, meta, created_at) VALUES ('ef', 'video', 'v', 3, '/z', '{}', 3)`).run()).toThrow(/CHECK/);
    db.close();
  });

  it('migrates a version-2 database: its runs survive and gain the queue columns (embedded, no worker, interactive), a label and cached nodes', () => {
    const dir = tempDataDir();
    const file = path.join(dir, 'v2.sqlite');
    const old = new Database(file);
    old.exec(MIGRATIONS[0]);
    old.exec(MIGRATIONS[1]);
    old.pragma('user_version = 2');
    old.prepare(`INSERT INTO runs (id, status, document, graph_hash, plan, created_at) VALUES ('r1', 'finished', '{}', 'h', '{}', 1)`).run();
    old.close();
    const db = openDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(getRun(db, 'r1')).toMatchObject({ status: 'finished', queue: 'embedded', worker: null, attempts: 0, priority: 'interactive' });
    expect(db.prepare('SELECT id, status, label, cached FROM runs').all()).toEqual([{ id: 'r1', status: 'finished', label: null, cached: null }]);
    db.close();
  });

  it('creates its tables with WAL journaling in a file database', () => {
    const dir = tempDataDir();
    const db = openDb(path.join(dir, 'x.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['assets', 'presets', 'queue_state', 'run_events', 'runs', 'users', 'sessions']));
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    // runs carry their history label and cached nodes (migration 4)
    expect((db.prepare(`SELECT name FROM pragma_table_info('runs')`).all() as { name: string }[]).map((c) => c.name)).toEqual(expect.arrayContaining(['label', 'cached']));
    db.close();
    expect(fs.existsSync(path.join(dir, 'x.sqlite'))).toBe(true);
    const again = openDb(path.join(dir, 'x.sqlite'));
    expect(getRun(again, 'none')).toBeUndefined();
    again.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
