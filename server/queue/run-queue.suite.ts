/**
 * The RunQueue contract, one suite for every adapter: `embedded.test.ts` runs it on the embedded
 * queue, `tests/queue/bullmq.test.ts` on BullMQ with a real Redis and a worker in the server
 * process. Whatever the engine, a client sees the same events, records, positions and cancels.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngText } from '../../lib/image';
import { tinyEpsModel } from '../../lib/onnx/test-models';
import { testGraph, type TestGraphOptions } from '../../nodes/testing';
import { GRAPH_PNG_KEY } from '../../lib/graph/files';
import { collectEvents, matching, type TestServer } from '../testing';
import type { RunEvent } from './events';

type Ev<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

/** A run on the analytic prior: quick by default, long enough to cancel with many steps. */
const graph = (o: TestGraphOptions = {}) => testGraph({ size: 32, steps: 6, warmup: 2, ...o });
const long = () => graph({ size: 64, steps: 1000, warmup: 5 });

/** Resolves once the run has produced its first trace (it is running). */
async function untilRunning(s: TestServer, runId: string): Promise<void> {
  const ac = new AbortController();
  for await (const e of s.services.queue.events(runId, null, ac.signal)) {
    if (e.type === 'trace') break;
  }
  ac.abort();
}

export function runQueueSuite(name: string, makeServer: () => TestServer | Promise<TestServer>): void {
  describe(`RunQueue contract: ${name}`, () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await makeServer();
    });
    afterAll(() => s.close());

    it('runs a graph: queued -> started -> progress/probe/trace -> finished, recorded with its worker and one attempt', async () => {
      const doc = graph();
      const { runId } = await s.caller.run.start({ document: doc });
      const events = await collectEvents(s.caller, runId);
      const types = events.map((e) => e.type);
      expect(types[0]).toBe('queued');
      expect(types).toContain('started');
      expect(types.indexOf('started')).toBeLessThan(types.indexOf('trace'));
      expect(types.filter((t) => t === 'trace')).toHaveLength(6);
      expect(types).toContain('probe');
      expect(types.at(-1)).toBe('finished');
      expect(events.map((e) => Number(e.id))).toEqual(events.map((_, i) => i + 1));
      const fin = events.at(-1) as Ev<'finished'>;
      expect(fin.nfe).toEqual({ forward: 12, vjp: 12 });
      expect(fin.result).toBe(`/api/artifacts/runs/${runId}/result.png`);

      const run = await s.caller.run.get({ runId });
      expect(run).toMatchObject({ status: 'finished', attempts: 1, position: null, metrics: fin.metrics, priority: 'interactive' });
      expect(run.worker).toMatchObject({ name: expect.any(String) as unknown, pid: expect.any(Number) as unknown, backend: 'cpu' });
      expect(run.trace.s).toHaveLength(6);
      // the result PNG (with the graph embedded) and the tensors reached the server's data dir
      const png = fs.readFileSync(path.join(s.dataDir, 'runs', runId, 'result.png'));
      // (the stored, compact document: every node, with its resolved params)
      const embedded = JSON.parse(readPngText(png)[GRAPH_PNG_KEY]) as { nodes: Record<string, unknown> };
      expect(embedded).toEqual(run.document);
      expect(Object.keys(embedded.nodes).sort()).toEqual(Object.keys(doc.nodes).sort());
      const img = await s.caller.tensor.get({ runId, node: 's', port: 'image' });
      expect(img).toMatchObject({ shape: [3, 32, 32], kind: 'image' });
      const g = await s.caller.tensor.get({ runId, node: 's', port: 'g', step: 0 });
      expect(g.kind).toBe('signed');

      // a late subscriber with lastEventId gets only what came after it
      const tail = await collectEvents(s.caller, runId, undefined, String(events.length - 2));
      expect(tail.map((e) => e.id)).toEqual([String(events.length - 1), String(events.length)]);
    });

    it('puts interactive runs before batch runs, reports positions, cancels queued and running runs', async () => {
      const busy = await s.caller.run.start({ document: long() });
      await untilRunning(s, busy.runId);
      expect((await s.caller.run.get({ runId: busy.runId })).position).toBe(0);
      const b1 = await s.caller.run.start({ document: graph({ samplerSeed: 1 }), priority: 'batch' });
      const b2 = await s.caller.run.start({ document: graph({ samplerSeed: 2 }), priority: 'batch' });
      const i1 = await s.caller.run.start({ document: graph({ samplerSeed: 3 }) });
      const doomed = await s.caller.run.start({ document: graph({ samplerSeed: 4 }), priority: 'batch' });
      expect([b1.position, b2.position, i1.position]).toEqual([1, 2, 1]);
      const positions = await Promise.all([i1, b1, b2, doomed].map(async (r) => (await s.caller.run.get({ runId: r.runId })).position));
      expect(positions).toEqual([1, 2, 3, 4]);

      // the Workers panel: one worker, busy with that run
      const o = await s.caller.queue.workers();
      expect(o).toMatchObject({ kind: s.services.queue.kind, available: true, waiting: 4, running: 1 });
      expect(o.workers.flatMap((w) => w.running)).toEqual([busy.runId]);

      // cancel a queued run: it never starts
      expect(await s.caller.run.cancel({ runId: doomed.runId })).toEqual({ status: 'cancelled' });
      const doomedEvents = await collectEvents(s.caller, doomed.runId);
      expect(doomedEvents[0].type).toBe('queued');
      expect(doomedEvents.at(-1)?.type).toBe('cancelled');
      expect(doomedEvents.map((e) => e.type)).not.toContain('started');

      // cancel the running one: it stops between network calls, and the line moves on
      expect(await s.caller.run.cancel({ runId: busy.runId })).toEqual({ status: 'cancelled' });
      const busyRun = await s.caller.run.get({ runId: busy.runId });
      expect(busyRun.status).toBe('cancelled');
      expect(busyRun.trace.s.length).toBeLessThan(1000);
      for (const r of [i1, b1, b2]) expect((await collectEvents(s.caller, r.runId)).at(-1)?.type).toBe('finished');
      const started = await Promise.all([i1, b1, b2].map(async (r) => (await s.caller.run.get({ runId: r.runId })).startedAt ?? Infinity));
      expect(started[0]).toBeLessThanOrEqual(started[1]);
      expect(started[1]).toBeLessThanOrEqual(started[2]);
      const b2Queued = (await collectEvents(s.caller, b2.runId)).filter((e): e is Ev<'queued'> => e.type === 'queued').map((e) => e.position);
      expect(b2Queued[0]).toBe(2);
      expect(b2Queued).toContain(3); // moved back when the interactive run went ahead
      await s.services.queue.onIdle();
      expect((await s.caller.queue.workers()).workers.flatMap((w) => w.running)).toEqual([]);
    });

    it('records a node that fails while running: error event naming it, status failed, no second attempt', async () => {
      // an uploaded network whose output is NaN for negative inputs (log of the convolution)
      const bytes = tinyEpsModel({ xPath: (b, h) => b.node('Log', [h]) });
      const model = await s.caller.models.upload({ name: 'nan.onnx', base64: Buffer.from(bytes).toString('base64') });
      const { runId } = await s.caller.run.start({ document: graph({ model: model.id, size: 16, steps: 3 }) });
      const events = await collectEvents(s.caller, runId);
      expect(events.at(-1)).toMatchObject({ type: 'error', node: 's', code: 'DIVERGED', message: matching(/lower the step size/) });
      expect(await s.caller.run.get({ runId })).toMatchObject({ status: 'failed', attempts: 1, error: { node: 's', code: 'DIVERGED' }, resultUrl: null });
    });

    it('cancel is a no-op on a finished run and NOT_FOUND on an unknown one', async () => {
      const { runId } = await s.caller.run.start({ document: graph({ size: 16, steps: 2 }) });
      await collectEvents(s.caller, runId);
      expect(await s.caller.run.cancel({ runId })).toEqual({ status: 'finished' });
      await expect(s.caller.run.cancel({ runId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
}
