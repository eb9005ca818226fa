/**
 * The distributed queue with real processes: a server (this process: services + the worker
 * asset route on a loopback port), `spgd worker` processes, a real Redis. Faults: kill -9 of the
 * worker running a run, cancel across processes, Redis restarted mid-queue, Redis down at
 * run.start, a server restart with work done while it was away, a worker without the token.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../lib/graph/document';
import { sha256Hex } from '../../lib/graph/hash';
import { blankMask, fillRect, maskToPng, MISSING } from '../../lib/image/mask-paint';
import { bytesToBase64 } from '../../lib/io/base64';
import { encodeNpy } from '../../lib/io/npy';
import { testGraph } from '../../nodes/testing';
import type { RunEvent } from '../../server/queue/events';
import { collectEvents, matching, tempDataDir, testServer, type TestServer } from '../../server/testing';
import { APP_ROOT, bullTestServer, flushRedis, httpServer, runSpgd, startRedis, startWorker, stopRedis, uniquePrefix, until, type WorkerProcess } from './support';

type Ev<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

/** Steps the sampler node 's' has traced so far. */
const tracedSteps = (r: { trace: Record<string, unknown[]> }) => (Object.hasOwn(r.trace, 's') ? r.trace.s.length : 0);

/** A few seconds of work on the analytic prior. */
const small = (seed: number, steps = 100) => testGraph({ size: 64, steps, warmup: 5, samplerSeed: seed });
/** Long enough to cancel or to restart Redis under it. */
const long = (seed = 0) => testGraph({ size: 64, steps: 1000, warmup: 5, samplerSeed: seed });

const workers: WorkerProcess[] = [];
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const w of workers.splice(0)) await w.stop();
  for (const s of servers.splice(0).reverse()) await s.close();
});
afterAll(async () => {
  // A test that failed while Redis was down must not leave it down for the next file.
  await startRedis().catch(() => undefined);
});

let nextPort = 3401;
/** A server on the distributed queue with its asset route on a port of its own. */
async function server(prefix = uniquePrefix(), env: Record<string, string> = {}, dataDir?: string) {
  const s = bullTestServer(prefix, env, dataDir);
  const http = await httpServer(s.services, nextPort++);
  servers.push(s, http);
  return { s, url: http.url, prefix, stopHttp: () => http.close() };
}

async function worker(name: string, prefix: string, serverUrl: string, env?: Record<string, string>) {
  const w = await startWorker(name, { prefix, serverUrl, env });
  workers.push(w);
  return w;
}

/** Resolves with the run record once `ok` holds for it. */
async function untilRun(s: TestServer, runId: string, what: string, ok: (r: Awaited<ReturnType<TestServer['caller']['run']['get']>>) => boolean) {
  let last: unknown;
  await until(`run ${runId} ${what} (last seen: ${JSON.stringify(last)})`, async () => {
    const r = await s.caller.run.get({ runId });
    last = { status: r.status, attempts: r.attempts, worker: r.worker?.name, steps: tracedSteps(r) };
    return ok(r);
  }, 90_000, 200);
  return s.caller.run.get({ runId });
}

describe('server + 2 spgd worker processes', () => {
  it('kill -9 of the worker running a run: the run is re-run on the other worker (2 attempts, the retry in its events), all 4 finish once', async () => {
    const { s, url, prefix } = await server();
    const [w1] = [await worker('w1', prefix, url), await worker('w2', prefix, url)];
    const runs = await Promise.all([0, 1, 2, 3].map(async (k) => (await s.caller.run.start({ document: small(k) })).runId));

    // the first run w1 takes, once it is a few steps in
    let victim = '';
    await until('w1 to be a few steps into a run', async () => {
      for (const runId of runs) {
        const r = await s.caller.run.get({ runId });
        if (r.status === 'running' && r.worker?.name === 'w1' && tracedSteps(r) >= 3) victim = runId;
      }
      return victim !== '';
    }, 90_000, 100);
    w1.kill();

    const all = await Promise.all(runs.map((runId) => collectEvents(s.caller, runId)));
    for (const [k, events] of all.entries()) {
      expect(events.at(-1)?.type, `run ${k}`).toBe('finished');
      expect(events.filter((e) => e.type === 'finished'), `run ${k}`).toHaveLength(1);
    }
    const records = await Promise.all(runs.map((runId) => s.caller.run.get({ runId })));
    for (const r of records) expect(r.status).toBe('finished');
    const again = records.find((r) => r.id === victim);
    expect(again).toMatchObject({ attempts: 2, worker: { name: 'w2' } });
    expect(records.filter((r) => r.attempts === 1)).toHaveLength(3);

    const events = all[runs.indexOf(victim)];
    const retry = events.find((e): e is Ev<'retry'> => e.type === 'retry');
    expect(retry).toMatchObject({ attempt: 2, maxAttempts: 3, reason: matching(/worker w1 .* stopped while running it/) });
    const types = events.map((e) => e.type);
    // started on w1, the retry, started again on w2, then one end
    expect(types.filter((t) => t === 'started')).toHaveLength(2);
    expect(types.indexOf('retry')).toBeGreaterThan(types.indexOf('started'));
    expect(events.filter((e): e is Ev<'started'> => e.type === 'started').map((e) => e.backend)).toEqual(['w1 · cpu', 'w2 · cpu']);
    // run.get counts only the last attempt's trace
    expect(again?.trace.s).toHaveLength(100);
    // one record per run
    const listed = (await s.caller.run.list({ limit: 20 })).items.map((r) => r.id);
    for (const runId of runs) expect(listed.filter((id) => id === runId)).toHaveLength(1);
  });

  it('cancels a run on a worker process, and a queued run before any worker takes it', async () => {
    const { s, url, prefix } = await server();
    await worker('w1', prefix, url);
    const running = await s.caller.run.start({ document: long() });
    const queued = await s.caller.run.start({ document: long(1) });
    await untilRun(s, running.runId, 'running', (r) => r.status === 'running' && tracedSteps(r) >= 2);

    expect(await s.caller.run.cancel({ runId: queued.runId })).toEqual({ status: 'cancelled' });
    const t0 = performance.now();
    expect(await s.caller.run.cancel({ runId: running.runId })).toEqual({ status: 'cancelled' });
    console.log(`cancel across processes: ${(performance.now() - t0).toFixed(0)} ms from run.cancel to the recorded end`);
    const events = await collectEvents(s.caller, running.runId);
    expect(events.at(-1)?.type).toBe('cancelled');
    expect(tracedSteps(await s.caller.run.get({ runId: running.runId }))).toBeLessThan(1000);
    expect((await collectEvents(s.caller, queued.runId)).map((e) => e.type)).not.toContain('started');
    // the worker is free again: the next run finishes
    const next = await s.caller.run.start({ document: small(5, 10) });
    expect((await collectEvents(s.caller, next.runId)).at(-1)?.type).toBe('finished');
  });

  it('Redis restarted mid-queue: run.start says the queue is unavailable while it is down, then every run finishes once', async () => {
    const { s, url, prefix } = await server();
    const w = await worker('w1', prefix, url);
    await worker('w2', prefix, url);
    const runs = await Promise.all([0, 1, 2, 3].map(async (k) => (await s.caller.run.start({ document: small(k) })).runId));
    await untilRun(s, runs[0], 'running', (r) => r.status === 'running' && tracedSteps(r) >= 2);

    await stopRedis();
    await expect(s.caller.run.start({ document: small(9) })).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: matching(/run queue is unavailable: Redis at .* cannot be reached/) });
    expect(await s.services.queue.overview()).toMatchObject({ available: false, message: matching(/unavailable/) });
    await new Promise((r) => setTimeout(r, 1500));
    await startRedis();

    const all = await Promise.all(runs.map((runId) => collectEvents(s.caller, runId)));
    for (const events of all) {
      expect(events.at(-1)?.type).toBe('finished');
      expect(events.filter((e) => e.type === 'finished')).toHaveLength(1);
    }
    // the refused run left nothing behind; the workers came back by themselves
    expect((await s.caller.run.list({ limit: 20 })).items).toHaveLength(4);
    await w.waitFor(/reconnected to Redis/);
    const after = await s.caller.run.start({ document: small(7, 10) });
    expect((await collectEvents(s.caller, after.runId)).at(-1)?.type).toBe('finished');
  });

  it('Redis loses its data (a restart without persistence): the server queues its runs again, and each finishes once', async () => {
    const { s, url, prefix } = await server();
    await worker('w1', prefix, url);
    // Run 0 is long enough (~5 s here) to still be running when the next reconcile pass (every
    // second) finds its job gone; a run that its worker finishes first is simply recorded once,
    // attempt 1, which is right but not what this test is about.
    const steps = [500, 60, 60];
    const runs = await Promise.all(steps.map(async (n, k) => (await s.caller.run.start({ document: small(k, n) })).runId));
    await untilRun(s, runs[0], 'running', (r) => r.status === 'running' && tracedSteps(r) >= 2);
    flushRedis();
    const all = await Promise.all(runs.map((runId) => collectEvents(s.caller, runId)));
    for (const events of all) {
      expect(events.at(-1)?.type).toBe('finished');
      expect(events.filter((e) => e.type === 'finished')).toHaveLength(1);
    }
    const first = all[0];
    expect(first.find((e) => e.type === 'retry')).toMatchObject({ attempt: 2, reason: matching(/Redis restarted without its data/) });
    expect(await s.caller.run.get({ runId: runs[0] })).toMatchObject({ status: 'finished', attempts: 2 });
    // the last attempt's trace only
    expect(tracedSteps(await s.caller.run.get({ runId: runs[0] }))).toBe(500);
  });

  it('server restart: queued runs survive, the work a worker did meanwhile is ingested and its events backfilled', async () => {
    const prefix = uniquePrefix();
    const dataDir = tempDataDir();
    const env = { SPGD_DB: path.join(dataDir, 'spgd.sqlite') };
    const first = await server(prefix, env, dataDir);
    const runs = await Promise.all([0, 1].map(async (k) => (await first.s.caller.run.start({ document: small(k, 20) })).runId));
    // the server goes away (its runs stay in Redis), a worker does the work meanwhile
    await first.stopHttp();
    await first.s.services.close();
    servers.splice(0);
    const second = await server(prefix, env, dataDir);
    await worker('w1', prefix, second.url);
    for (const runId of runs) {
      const events = await collectEvents(second.s.caller, runId);
      expect(events[0]).toMatchObject({ type: 'queued', id: '1' });
      expect(events.map((e) => e.type)).toContain('trace');
      expect(events.at(-1)?.type).toBe('finished');
      expect(await second.s.caller.run.get({ runId })).toMatchObject({ status: 'finished', attempts: 1, worker: { name: 'w1' } });
    }
  });

  it('a worker without the server\'s token cannot fetch assets: the run fails and says why', async () => {
    const { s, url, prefix } = await server(uniquePrefix(), { SPGD_WORKER_TOKEN: 'right-token' });
    await worker('w1', prefix, url, { SPGD_WORKER_TOKEN: 'wrong-token' });
    const { runId } = await s.caller.run.start({ document: small(0, 5) });
    const events = await collectEvents(s.caller, runId);
    expect(events.at(-1)).toMatchObject({ type: 'error', code: 'BAD_INPUT', message: matching(/refused this worker \(HTTP 401\).*SPGD_WORKER_TOKEN/) });
  });
});

describe('masks from uploads and from inside the graph, on a worker process', () => {
  /** builtin-photo-inpaint on the analytic prior, 2 steps, K = 2 samples (so an uncertainty map), its mask from `source`. */
  function inpaint(source: string, assets: GraphDocument['assets'] = {}): GraphDocument {
    const preset = JSON.parse(fs.readFileSync(path.join(APP_ROOT, 'presets', 'photo-inpaint.json'), 'utf8')) as { document: GraphDocument };
    const doc = preset.document;
    doc.nodes.mask.params.source = source;
    doc.nodes.prior.params.model = 'gaussian';
    doc.nodes.schedule.params.steps = 2;
    doc.nodes.sampler.params.samples = 2;
    doc.assets = assets;
    return doc;
  }

  it('loads an uploaded .npy mask and a mask the document carries as the server does, and streams the uncertainty map', async () => {
    const { s, url, prefix } = await server();
    await worker('w1', prefix, url);
    const local = testServer();
    servers.push(local);

    // The sample mask as a .npy upload, and a painted mask that only the document carries.
    const sampleMask = s.services.assets.loadArray('sample:photo-scratched-mask');
    const npy = encodeNpy(sampleMask.shape, sampleMask.data);
    const up = await s.caller.images.upload({ name: 'mask.npy', base64: bytesToBase64(npy) });
    await local.caller.images.upload({ name: 'mask.npy', base64: bytesToBase64(npy) });
    const [h, w] = sampleMask.shape;
    const png = maskToPng(fillRect(blankMask(w, h), { x: 20, y: 20 }, { x: 60, y: 50 }, MISSING));
    const sha = sha256Hex(png);
    const docs = [
      inpaint(`sha256:${up.sha256}`),
      inpaint(`sha256:${sha}`, { [sha]: { kind: 'image', name: 'painted.png', bytes: png.length, data: bytesToBase64(png) } }),
    ];

    for (const doc of docs) {
      const onWorker = await s.caller.run.start({ document: doc });
      const here = await local.caller.run.start({ document: doc });
      const events = await collectEvents(s.caller, onWorker.runId);
      expect(events.at(-1)?.type, JSON.stringify(events.at(-1))).toBe('finished');
      await collectEvents(local.caller, here.runId);
      const [a, b] = await Promise.all([s.caller.run.get({ runId: onWorker.runId }), local.caller.run.get({ runId: here.runId })]);
      expect(a).toMatchObject({ status: 'finished', worker: { name: 'w1' } });
      expect(a.metrics?.residual).toBeCloseTo(b.metrics?.residual ?? NaN, 6);
      // The K-sample spread: probed as a heat map, its tensor on the server for tensor.get.
      const probe = events.find((e): e is Ev<'probe'> => e.type === 'probe' && e.node === 'sampler' && e.port === 'uncertainty');
      expect(probe).toMatchObject({ kind: 'heat', dtype: 'float32' });
      const u = await s.caller.tensor.get({ runId: onWorker.runId, node: 'sampler', port: 'uncertainty' });
      const v = await local.caller.tensor.get({ runId: here.runId, node: 'sampler', port: 'uncertainty' });
      expect(u).toEqual(v);
    }
  });
});

describe('spgd eval --queue', () => {
  it('fans a folder out over the workers as batch runs and gives the same table as a local eval', async () => {
    const { url, prefix } = await server();
    await worker('w1', prefix, url);
    await worker('w2', prefix, url);
    const data = fs.mkdtempSync(path.join(os.tmpdir(), 'spgd-eval-'));
    for (const f of ['astronaut.png', 'chelsea.png', 'coffee.png']) fs.copyFileSync(path.join(APP_ROOT, 'public', 'samples', f), path.join(data, f));
    const args = ['eval', '--task', 'inpaint-random', '--method', 'spgd', '--prior', 'gaussian', '--size', '32', '--set', 'steps=8', '--data', data, '--json'];
    const [queued, local] = await Promise.all([runSpgd([...args, '--queue', url]), runSpgd(args)]);
    fs.rmSync(data, { recursive: true, force: true });
    expect(queued.code, queued.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);
    type Table = { n: number; psnr: number; images: { file: string; psnr: number; ssim: number; nfe: number; worker?: string }[] };
    const q = JSON.parse(queued.stdout.trim().split('\n').at(-1)!) as Table;
    const l = JSON.parse(local.stdout.trim().split('\n').at(-1)!) as Table;
    expect(q.n).toBe(3);
    expect(q.images.map((r) => r.file)).toEqual(l.images.map((r) => r.file));
    for (const [k, r] of q.images.entries()) {
      expect(r.psnr).toBeCloseTo(l.images[k].psnr, 6);
      expect(r.ssim).toBeCloseTo(l.images[k].ssim, 6);
      expect(r.nfe).toBe(l.images[k].nfe);
      expect(['w1', 'w2']).toContain(r.worker);
    }
  });

  it('says clearly what is wrong with --queue', async () => {
    const redis = await runSpgd(['eval', '--task', 'inpaint-random', '--data', path.join(APP_ROOT, 'public', 'samples'), '--queue', 'redis://127.0.0.1:6390']);
    expect(redis.code).toBe(2);
    expect(redis.stderr).toMatch(/--queue takes the server's address/);
    const down = await runSpgd(['eval', '--task', 'inpaint-random', '--prior', 'gaussian', '--data', path.join(APP_ROOT, 'public', 'samples'), '--queue', 'http://127.0.0.1:3409']);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/cannot reach the server/);
  });
});
