import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePng, readPngText } from '../../lib/image';
import { migrateDocument } from '../../lib/graph/migrate';
import type { GraphDocument } from '../../lib/graph/document';
import { tinyEpsModel } from '../../lib/onnx/test-models';
import { testGraph } from '../../nodes/testing';
import { GRAPH_PNG_KEY } from '../../lib/graph/files';
import type { RunEvent } from '../queue/events';
import { collectEvents, matching, testServer, type TestServer } from '../testing';
import { LOCAL_PRINCIPAL } from '../auth';

let s: TestServer;
beforeAll(() => {
  s = testServer();
});
afterAll(() => s.close());

/** The built-in SPGD preset (paper protocol: one cold-started sample), turned down to `size` px and `steps` steps on the given prior. */
function presetGraph(model: string, size: number, steps: number, warmup: number): GraphDocument {
  const p = JSON.parse(fs.readFileSync(path.join(s.services.env.appRoot, 'presets', 'spgd-inpaint-random-paper.json'), 'utf8')) as { document: GraphDocument };
  const doc = p.document;
  doc.nodes.prior.params.model = model;
  doc.nodes.img.params.size = size;
  doc.nodes.sched.params.steps = steps;
  doc.nodes.warm.params.steps = warmup;
  return doc;
}

type Ev<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

function checkLifecycle(events: RunEvent[], steps: number) {
  const types = events.map((e) => e.type);
  expect(types[0]).toBe('queued');
  expect(types[1]).toBe('started');
  expect(types.at(-1)).toBe('finished');
  const first = (t: RunEvent['type']) => types.indexOf(t);
  expect(first('progress')).toBeGreaterThan(1);
  expect(first('probe')).toBeGreaterThan(1);
  expect(first('trace')).toBeGreaterThan(1);
  expect(types.filter((t) => t === 'trace')).toHaveLength(steps);
  expect(types.filter((t) => t === 'preview').length).toBeGreaterThanOrEqual(1);
  // ids are the per-run sequence, in order, and events carry runId and time
  expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i + 1));
  for (const e of events) {
    expect(e.runId).toBe(events[0].runId);
    expect(e.at).toBeTypeOf('number');
  }
  return events.at(-1) as Ev<'finished'>;
}

describe('run.start / run.events / run.get', () => {
  it('runs the SPGD preset at 32x32 with the analytic prior: queued -> started -> progress -> probe -> trace -> finished', async () => {
    const doc = presetGraph('gaussian', 32, 6, 2);
    const { runId, position } = await s.caller.run.start({ document: doc });
    expect(position).toBe(0);
    const events = await collectEvents(s.caller, runId);
    const fin = checkLifecycle(events, 6);
    expect(fin.metrics.psnr).toBeGreaterThan(5);
    expect(fin.metrics.ssim).toBeGreaterThan(0);
    expect(fin.metrics.residual).toBeGreaterThan(0);
    expect(fin.nfe).toEqual({ forward: 12, vjp: 12 });
    expect(fin.result).toBe(`/api/artifacts/runs/${runId}/result.png`);

    const run = await s.caller.run.get({ runId });
    expect(run).toMatchObject({ id: runId, status: 'finished', backend: 'server', position: null, metrics: fin.metrics, resultUrl: fin.result });
    expect(run.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(run.seeds).toEqual({ op: 0, sim: 0, spgd: 0 });
    expect(run.trace.spgd).toHaveLength(6);
    expect(run.probes.some((p) => p.node === 'spgd' && p.port === 'image' && p.step === undefined)).toBe(true);
    expect(run.timings.seconds).toBeGreaterThan(0);

    // the result PNG carries the graph document
    const file = path.join(s.dataDir, 'runs', runId, 'result.png');
    const embedded = JSON.parse(readPngText(fs.readFileSync(file))[GRAPH_PNG_KEY]) as GraphDocument;
    expect(embedded.nodes.img.params).toEqual({ source: 'sample:default', size: 32 });

    // a late subscriber with lastEventId gets only what came after it
    const tail = await collectEvents(s.caller, runId, undefined, String(events.length - 2));
    expect(tail.map((e) => e.id)).toEqual([String(events.length - 1), String(events.length)]);

    const list = await s.caller.run.list({ limit: 5 });
    expect(list.items[0]).toMatchObject({ id: runId, status: 'finished', thumbnail: fin.result, name: doc.name });
  });

  it('runs the SPGD preset at 32x32 with the shipped ONNX prior (2 steps)', async () => {
    const { runId } = await s.caller.run.start({ document: presetGraph('default', 32, 2, 1) });
    const events = await collectEvents(s.caller, runId);
    const fin = checkLifecycle(events, 2);
    expect(fin.nfe).toEqual({ forward: 2, vjp: 2 });
    expect(Number.isFinite(fin.metrics.psnr)).toBe(true);
    expect((await s.caller.run.get({ runId })).status).toBe('finished');
  });

  it('tensor.get returns stats, a histogram and a PNG for a sampler output and a signed map for its gradient', async () => {
    const { runId } = await s.caller.run.start({ document: presetGraph('gaussian', 32, 4, 2) });
    await collectEvents(s.caller, runId);
    const img = await s.caller.tensor.get({ runId, node: 'spgd', port: 'image' });
    expect(img).toMatchObject({ shape: [3, 32, 32], dtype: 'float32', kind: 'image', signed: false, channel: null });
    expect(img.png).toMatch(/^data:image\/png;base64,/);
    expect(img.stats.min).toBeGreaterThanOrEqual(-1);
    expect(img.stats.max).toBeLessThanOrEqual(1);
    expect(img.stats.nanCount).toBe(0);
    expect(img.histogram.edges).toHaveLength(65);
    expect(img.histogram.counts.reduce((a, b) => a + b, 0)).toBe(3 * 32 * 32);

    const g = await s.caller.tensor.get({ runId, node: 'spgd', port: 'g', step: 0, channel: 1 });
    expect(g).toMatchObject({ shape: [3, 32, 32], kind: 'signed', signed: true, channel: 1 });
    expect(g.histogram.counts.reduce((a, b) => a + b, 0)).toBe(32 * 32);
    const mask = await s.caller.tensor.get({ runId, node: 'op', port: 'operator' });
    expect(mask).toMatchObject({ shape: [32, 32], kind: 'map' });
    expect(mask.stats.min).toBe(0);
    expect(mask.stats.max).toBe(1);

    await expect(s.caller.tensor.get({ runId, node: 'spgd', port: 'g', step: 99 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(s.caller.tensor.get({ runId, node: 'spgd', port: 'image', channel: 3 })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('the queue', () => {
  /** A run that takes a while on the analytic prior (many steps at 64x64). */
  const long = () => presetGraph('gaussian', 64, 1000, 5);

  it('cancels a running run between network calls', async () => {
    const { runId } = await s.caller.run.start({ document: long() });
    let cancelled: Promise<{ status: string }> | undefined;
    const events = await collectEvents(s.caller, runId, (e) => {
      if (e.type === 'trace' && !cancelled) cancelled = s.caller.run.cancel({ runId });
    });
    expect(await cancelled).toEqual({ status: 'cancelled' });
    expect(events.at(-1)!.type).toBe('cancelled');
    expect(events.filter((e) => e.type === 'trace').length).toBeLessThan(1000);
    expect((await s.caller.run.get({ runId })).status).toBe('cancelled');
  });

  it('ends a subscription when its signal aborts, without stopping the run', async () => {
    const { runId } = await s.caller.run.start({ document: long() });
    const ac = new AbortController();
    const sub = await s.callerAs(LOCAL_PRINCIPAL, { signal: ac.signal }).run.events({ runId });
    const seen: string[] = [];
    for await (const item of sub as AsyncIterable<unknown>) {
      const e = (Array.isArray(item) ? item[1] : item) as RunEvent;
      seen.push(e.type);
      if (e.type === 'trace') ac.abort();
    }
    expect(seen).toContain('trace');
    expect(seen).not.toContain('finished');
    expect((await s.caller.run.get({ runId })).status).toBe('running');
    expect(await s.caller.run.cancel({ runId })).toEqual({ status: 'cancelled' });
  });

  it('reports queue positions and cancels a queued run', async () => {
    const a = await s.caller.run.start({ document: long() });
    const b = await s.caller.run.start({ document: presetGraph('gaussian', 16, 3, 1) });
    const c = await s.caller.run.start({ document: presetGraph('gaussian', 16, 3, 1) });
    expect([a.position, b.position, c.position]).toEqual([0, 1, 2]);
    expect((await s.caller.run.get({ runId: c.runId })).position).toBe(2);

    expect(await s.caller.run.cancel({ runId: b.runId })).toEqual({ status: 'cancelled' });
    expect((await s.caller.run.get({ runId: b.runId })).status).toBe('cancelled');
    const bEvents = await collectEvents(s.caller, b.runId);
    expect(bEvents.map((e) => e.type)).toEqual(['queued', 'cancelled']);

    // c moved up when b left, and runs once a is cancelled
    expect((await s.caller.run.get({ runId: c.runId })).position).toBe(1);
    expect(await s.caller.run.cancel({ runId: a.runId })).toEqual({ status: 'cancelled' });
    const cEvents = await collectEvents(s.caller, c.runId);
    const queued = cEvents.filter((e): e is Ev<'queued'> => e.type === 'queued');
    expect(queued.map((e) => e.position)).toEqual([2, 1]);
    expect(cEvents.at(-1)!.type).toBe('finished');
    await s.services.queue.onIdle();
  });

  it('cancel is a no-op on a finished run and NOT_FOUND on an unknown one', async () => {
    const { runId } = await s.caller.run.start({ document: presetGraph('gaussian', 16, 2, 1) });
    await collectEvents(s.caller, runId);
    expect(await s.caller.run.cancel({ runId })).toEqual({ status: 'finished' });
    await expect(s.caller.run.cancel({ runId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(s.caller.run.get({ runId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses to queue a graph that does not compile, naming the node', async () => {
    const doc = presetGraph('gaussian', 16, 2, 1);
    doc.nodes.img.params.source = 'sha256:' + 'b'.repeat(64);
    await expect(s.caller.run.start({ document: doc })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: matching(/img: no uploaded image/) });
  });

  it('records a node that fails while running: the error event names it and the run is failed', async () => {
    // an uploaded network whose output is NaN for negative inputs (log of the convolution)
    const bytes = tinyEpsModel({ xPath: (b, h) => b.node('Log', [h]) });
    const model = await s.caller.models.upload({ name: 'nan.onnx', base64: Buffer.from(bytes).toString('base64') });
    const { runId } = await s.caller.run.start({ document: presetGraph(model.id, 16, 3, 2) });
    const events = await collectEvents(s.caller, runId);
    expect(events.at(-1)).toMatchObject({ type: 'error', node: 'spgd', code: 'DIVERGED', message: matching(/lower the step size/) });
    const run = await s.caller.run.get({ runId });
    expect(run).toMatchObject({ status: 'failed', error: { node: 'spgd', code: 'DIVERGED' }, resultUrl: null });
  });

  it('pages run.list newest first', async () => {
    const all = await s.caller.run.list({ limit: 100 });
    const page1 = await s.caller.run.list({ limit: 2 });
    const page2 = await s.caller.run.list({ limit: 2, cursor: page1.nextCursor });
    expect([...page1.items, ...page2.items].map((r) => r.id)).toEqual(all.items.slice(0, 4).map((r) => r.id));
    expect(all.items.map((r) => r.createdAt)).toEqual([...all.items.map((r) => r.createdAt)].sort((x, y) => y - x));
  });
});

describe('run graphs that are not the presets', () => {
  it('runs DPS and DiffPIR graphs', async () => {
    for (const sampler of ['dps', 'diffpir'] as const) {
      const { runId } = await s.caller.run.start({ document: testGraph({ sampler, steps: 4, size: 16 }) });
      const events = await collectEvents(s.caller, runId);
      expect(events.at(-1)!.type).toBe('finished');
    }
  });
});

describe('owners, retention and the work cap', () => {
  const alice = { name: 'alice', admin: false };
  const bob = { name: 'bob', admin: false };

  it('records the owner; others may not cancel, pin or delete; a queued or running run is not deleted', async () => {
    const { runId } = await s.callerAs(alice).run.start({ document: presetGraph('gaussian', 64, 1000, 5) });
    expect((await s.caller.run.get({ runId })).owner).toBe('alice');
    await expect(s.callerAs(bob).run.cancel({ runId })).rejects.toMatchObject({ code: 'FORBIDDEN', message: matching(/belongs to alice/) });
    await expect(s.callerAs(bob).run.pin({ runId, pinned: true })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(s.callerAs(alice).run.delete({ runId })).rejects.toMatchObject({ code: 'CONFLICT', message: matching(/cancel it first/) });
    expect(await s.callerAs(alice).run.cancel({ runId })).toEqual({ status: 'cancelled' });
    await expect(s.callerAs(bob).run.delete({ runId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await s.callerAs(alice).run.delete({ runId })).toMatchObject({ ok: true });
    await expect(s.caller.run.get({ runId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('pins, prunes the unpinned (a user only their own), and reports the storage', async () => {
    const a = await s.callerAs(alice).run.start({ document: presetGraph('gaussian', 16, 2, 1) });
    const b = await s.callerAs(bob).run.start({ document: presetGraph('gaussian', 16, 2, 1) });
    await collectEvents(s.caller, a.runId);
    await collectEvents(s.caller, b.runId);
    const before = await s.caller.run.storage();
    expect(before.runs.bytes).toBeGreaterThan(0);
    expect((await s.caller.run.get({ runId: a.runId })).bytes).toBeGreaterThan(1000);
    expect(await s.callerAs(alice).run.pin({ runId: a.runId, pinned: true })).toEqual({ pinned: true });
    expect((await s.callerAs(alice).run.prune({ olderThanDays: 0 })).deleted).toBe(0); // hers is pinned, bob's is not hers
    expect((await s.caller.run.get({ runId: b.runId })).status).toBe('finished');
    expect((await s.callerAs(bob).run.prune({ olderThanDays: 0 })).deleted).toBe(1);
    await expect(s.caller.run.get({ runId: b.runId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await s.caller.run.get({ runId: a.runId })).pinned).toBe(true);
  });

  it('stores and embeds the compact document: the resolved params, nothing the nodes do not use', async () => {
    const doc = presetGraph('gaussian', 16, 2, 1);
    doc.assets = { ['e'.repeat(64)]: { kind: 'image', name: 'unused.png' } };
    doc.ui = { positions: { img: { x: 1.25, y: 2 }, gone: { x: 0, y: 0 } }, groups: [] };
    const { runId } = await s.caller.run.start({ document: doc });
    await collectEvents(s.caller, runId);
    const stored = (await s.caller.run.get({ runId })).document as GraphDocument;
    expect(stored.assets).toEqual({});
    expect(stored.ui.positions).toEqual({ img: { x: 1, y: 2 } });
    expect(stored.nodes.sched.params).toMatchObject({ steps: 2, sigmaMax: 100 });
    const embedded = JSON.parse(readPngText(fs.readFileSync(path.join(s.dataDir, 'runs', runId, 'result.png')))[GRAPH_PNG_KEY]) as unknown;
    expect(embedded).toEqual(stored);
  });

  it('records the owner of a browser run (run.record), who alone may delete it', async () => {
    const doc = presetGraph('gaussian', 16, 2, 1);
    const input = {
      id: 'browser-owned-1',
      document: doc,
      backend: 'browser · wasm',
      status: 'cancelled' as const,
      startedAt: Date.now() - 1000,
      seconds: 0.5,
      nfe: null,
      metrics: null,
      error: null,
      resultPng: null,
    };
    await s.callerAs(alice).run.record(input);
    expect((await s.caller.run.get({ runId: 'browser-owned-1' })).owner).toBe('alice');
    await expect(s.callerAs(bob).run.delete({ runId: 'browser-owned-1' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(await s.callerAs(alice).run.delete({ runId: 'browser-owned-1' })).toMatchObject({ ok: true });
  });

  it('refuses a run over the limits before queueing it, naming the costliest node', async () => {
    const capped = testServer({ SPGD_MAX_RUN_SECONDS: '60', SPGD_MAX_RUN_NODES: '10' });
    try {
      const err = await capped.caller.run.start({ document: presetGraph('default', 256, 1000, 5) }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'BAD_REQUEST', message: matching(/estimated at \d+ s, more than this server runs \(60 s, SPGD_MAX_RUN_SECONDS\).*costliest node is 'spgd' \(DDIM step \(SPGD sampler\)\).*downscale the image to \d+ px \(it is 256x256\), or run it in the browser/) });
      expect((err as { cause: { code: string; node: string } }).cause).toMatchObject({ code: 'RUN_TOO_LARGE', node: 'spgd' });
      const many = presetGraph('gaussian', 16, 2, 1);
      many.nodes.extra = { type: 'spgd:analysis/metrics', typeVersion: 1, params: {}, mode: 'active' };
      await expect(capped.caller.run.start({ document: many })).rejects.toMatchObject({ message: matching(/11 nodes, more than this server runs \(10, SPGD_MAX_RUN_NODES\)/) });
      expect((await capped.caller.run.list({ limit: 10 })).items).toEqual([]);
    } finally {
      await capped.close();
    }
  });
});

describe('history: names, the cache, browser runs', () => {
  it('names a run by its preset and the params that differ, and marks a re-run served from the cache', async () => {
    const doc = presetGraph('gaussian', 16, 3, 1);
    // A seed no other test ran, so the first run computes everything.
    doc.nodes.spgd.params.seed = 4242;
    const preset = 'builtin-spgd-inpaint-random';
    const first = await s.caller.run.start({ document: doc, presetId: preset });
    await collectEvents(s.caller, first.runId);
    const again = await s.caller.run.start({ document: doc, presetId: preset });
    const events = await collectEvents(s.caller, again.runId);
    const fin = events.at(-1) as Ev<'finished'>;
    expect(fin.timings?.cached).toContain('spgd');
    const list = await s.caller.run.list({ limit: 2 });
    const [b, a] = list.items;
    expect(a.id).toBe(first.runId);
    expect(a.fromCache).toBe(false);
    expect(b.fromCache).toBe(true);
    // the preset's name, then what differs from it (the test turned size, T and N down)
    expect(a.label).toMatch(/^SPGD: random inpainting \(80% missing\) · /);
    expect(a.label).toContain('size=16');
    expect(a.label).toMatch(/sched\.steps=3|warm\.steps=1/);
    // an unchanged preset is called by its name alone; a graph from no preset by its own name
    const plain = JSON.parse(fs.readFileSync(path.join(s.services.env.appRoot, 'presets', 'spgd-inpaint-random.json'), 'utf8')) as { document: GraphDocument };
    expect(s.services.labelFor(migrateDocument(plain.document), preset)).toBe('SPGD: random inpainting (80% missing)');
    expect(s.services.labelFor({ ...migrateDocument(plain.document), name: 'my own' })).toBe('my own');
  });

  it('records a browser run: compiled again here, with its trace and result picture, named like server runs', async () => {
    const doc = presetGraph('gaussian', 16, 3, 1);
    const png = encodePng({ width: 16, height: 16, data: new Uint8Array(16 * 16 * 3).fill(128) });
    const trace = { step: 0, sigma: 1, t: 1, stepSize: 0.1, residualNorm: 2, gradNorm: 1, admWeights: [], conflict: 90, fluctuationRaw: null, fluctuationAdm: null, priorStability: null, nfe: { forward: 1, vjp: 1 } };
    const input = {
      id: 'browser-abc-1',
      document: doc,
      presetId: 'builtin-spgd-inpaint-random',
      backend: 'browser · wasm ×2 threads',
      status: 'finished' as const,
      startedAt: Date.now() - 5000,
      seconds: 4.5,
      nfe: { forward: 3, vjp: 3 },
      metrics: { psnr: 20, ssim: 0.5, residual: 1 },
      error: null,
      traces: { spgd: [trace, { ...trace, step: 1 }, { ...trace, step: 2 }] },
      resultPng: Buffer.from(png).toString('base64'),
    };
    expect(await s.caller.run.record(input)).toEqual({ runId: 'browser-abc-1' });
    const run = await s.caller.run.get({ runId: 'browser-abc-1' });
    expect(run).toMatchObject({ status: 'finished', backend: 'browser · wasm ×2 threads', seconds: 4.5, metrics: { psnr: 20 }, resultUrl: '/api/artifacts/runs/browser-abc-1/result.png' });
    expect(run.trace.spgd).toHaveLength(3);
    expect(run.label).toMatch(/^SPGD: random inpainting/);
    expect((await s.caller.run.list({ limit: 1 })).items[0].id).toBe('browser-abc-1');
    // the result PNG carries the graph, as a server run's does
    expect(readPngText(fs.readFileSync(path.join(s.dataDir, 'runs', 'browser-abc-1', 'result.png')))[GRAPH_PNG_KEY]).toContain('spgd-studio.graph');
    // once only; a graph that does not compile and a broken picture are refused
    await expect(s.caller.run.record(input)).rejects.toMatchObject({ code: 'CONFLICT' });
    const bad = structuredClone(doc);
    bad.edges = bad.edges.filter((e) => e.to.node !== 'spgd' || e.to.port !== 'measurement');
    await expect(s.caller.run.record({ ...input, id: 'browser-abc-2', document: bad })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(s.caller.run.record({ ...input, id: 'browser-abc-3', resultPng: 'bm90IGEgcG5n' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: matching(/not a readable image/) });
    await expect(s.caller.run.record({ ...input, id: 'server-run' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
