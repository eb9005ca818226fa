/**
 * kill -9 drills against the production build: the server is killed mid-run and mid-preset-save,
 * restarted on the same data folder, and nothing it had acknowledged may be lost (presets whose
 * save answered 200, runs that finished) while the run it was in the middle of is marked
 * interrupted.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { GraphDocument } from '../../lib/graph/document';
import { record, writeReport } from './report';
import { presetGraph } from './probes';
import { client, startServer, waitForRun } from './server';

const PORT = 3506;

function integrity(dataDir: string): string {
  const db = new Database(path.join(dataDir, 'spgd.sqlite'), { readonly: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

describe('kill -9 drills', () => {
  it('mid-run: finished runs and saved presets survive, the running run is marked interrupted', async () => {
    let s = await startServer({ port: PORT });
    onTestFinished(() => s.stop());
    const c = client(s.base);
    const saved = await c.mutate<{ id: string }>('presets.save', { name: 'kept', document: presetGraph({ size: 16 }) });
    expect(saved.status).toBe(200);
    const done = await c.mutate<{ runId: string }>('run.start', { document: presetGraph({ size: 32, steps: 3 }) });
    const finished = await waitForRun(s.base, done.body.result.data.runId);
    expect(finished.last.type).toBe('finished');
    const long = await c.mutate<{ runId: string }>('run.start', { document: presetGraph({ size: 64, steps: 1000, warmup: 5 }) });
    const longId = long.body.result.data.runId;
    await expect.poll(async () => (await c.query<{ status: string }>('run.get', { runId: longId })).body.result.data.status, { timeout: 60_000 }).toBe('running');
    await new Promise((r) => setTimeout(r, 1000));

    const t0 = performance.now();
    await s.kill9();
    s = await startServer({ port: PORT, dataDir: s.dataDir });
    record({ finding: 'kill -9', probe: 'mid-run: kill, restart', status: 'restarted', ms: performance.now() - t0 });
    try {
      const c2 = client(s.base);
      const preset = await c2.query<{ name: string; document: GraphDocument }>('presets.get', { id: saved.body.result.data.id });
      expect(preset.body.result.data.name).toBe('kept');
      expect(preset.body.result.data.document.nodes.img.params.size).toBe(16);
      const fin = await c2.query<{ status: string; metrics: { psnr: number }; resultUrl: string }>('run.get', { runId: done.body.result.data.runId });
      expect(fin.body.result.data.status).toBe('finished');
      expect(fin.body.result.data.metrics.psnr).toBeGreaterThan(0);
      expect((await fetch(`${s.base}${fin.body.result.data.resultUrl}`)).status).toBe(200);
      const cut = await c2.query<{ status: string; error: { code: string } }>('run.get', { runId: longId });
      expect(cut.body.result.data).toMatchObject({ status: 'interrupted', error: { code: 'INTERRUPTED' } });
      expect((await waitForRun(s.base, longId)).last).toMatchObject({ type: 'error', code: 'INTERRUPTED' });
      // and the server still runs graphs
      const again = await c2.mutate<{ runId: string }>('run.start', { document: presetGraph({ size: 32, steps: 2 }) });
      expect((await waitForRun(s.base, again.body.result.data.runId)).last.type).toBe('finished');
    } finally {
      await s.stop(true);
    }
    expect(integrity(s.dataDir)).toBe('ok');
  });

  it('mid-preset-save: every save that answered 200 is there after the restart, with its document', async () => {
    let s = await startServer({ port: PORT });
    onTestFinished(() => s.stop());
    const c = client(s.base);
    const acked = new Map<string, number>();
    let killed = false;
    let sent = 0;
    const saveLoop = async () => {
      while (!killed && sent < 400) {
        const i = sent++;
        const name = `save-${i}`;
        try {
          const r = await c.mutate<{ id: string }>('presets.save', { name, document: presetGraph({ size: 8 + (i % 100) }) });
          if (r.status === 200) acked.set(name, 8 + (i % 100));
        } catch {
          // the connection died with the server
        }
      }
    };
    const loops = Array.from({ length: 8 }, saveLoop);
    await expect.poll(() => acked.size, { timeout: 60_000, interval: 5 }).toBeGreaterThanOrEqual(60);
    killed = true;
    await s.kill9();
    await Promise.all(loops);
    // Every 200 counts, also those that arrived while the kill was under way; saves that got no answer may or may not be there.
    const ackedAtKill = acked;
    s = await startServer({ port: PORT, dataDir: s.dataDir });
    try {
      const list = await client(s.base).query<{ id: string; name: string }[]>('presets.list');
      const byName = new Map(list.body.result.data.map((p) => [p.name, p.id]));
      const missing = [...ackedAtKill.keys()].filter((n) => !byName.has(n));
      record({ finding: 'kill -9', probe: 'mid-preset-save', status: `${ackedAtKill.size} acknowledged, ${missing.length} lost`, ms: 0, note: `${sent} sent` });
      expect(missing).toEqual([]);
      for (const [name, size] of [...ackedAtKill].slice(0, 20)) {
        const p = await client(s.base).query<{ document: GraphDocument }>('presets.get', { id: byName.get(name) });
        expect(p.body.result.data.document.nodes.img.params.size).toBe(size);
      }
    } finally {
      await s.stop(true);
    }
    expect(integrity(s.dataDir)).toBe('ok');
    writeReport('http-crash.md');
  });
});
