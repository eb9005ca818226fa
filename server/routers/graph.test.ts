import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testGraph } from '../../nodes/testing';
import { LOCAL_PRINCIPAL } from '../auth';
import { BUILT_IN_PRESET_COUNT, matching, testServer, type TestServer } from '../testing';
import { appRouter } from './_app';

let s: TestServer;
beforeAll(() => {
  s = testServer();
});
afterAll(() => s.close());

describe('graph.compile', () => {
  it('returns a plan for a good graph, with NFE and an estimate from the prior at that size', async () => {
    const r = await s.caller.graph.compile({ document: testGraph({ model: 'default', size: 64, steps: 10, warmup: 2 }) });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.plan.nfe).toEqual({ forward: 20, vjp: 20 });
    expect(r.plan.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.plan.steps.map((x) => x.runsOn)).toEqual(r.plan.steps.map(() => 'server'));
    // Uncalibrated (SPGD_CALIBRATE=off): 20 forward+VJP calls x 2.5 x 1.150 GFLOP / 150 GFLOP/s = 0.383 s, plus every node's own work
    expect(r.plan.estimate.seconds).toBeGreaterThan(0.383);
    expect(r.plan.estimate.seconds).toBeLessThan(0.383 + 0.1);
    // every node costs something, and the plan is the sum of its steps
    const sampler = r.plan.steps.find((x) => x.sampler)!;
    expect(sampler.estimate.seconds).toBeGreaterThan(0.383);
    for (const st of r.plan.steps) expect(st.estimate.seconds).toBeGreaterThan(0);
    const sum = r.plan.steps.reduce((a, st) => a + st.estimate.seconds, 0);
    expect(r.plan.estimate.seconds).toBeCloseTo(sum, 2);
    expect(r.plan.estimate.memoryMB).toBeGreaterThan(20);
  });

  it('returns per-node issues: a missing wire, a cycle, a bad param, an sr-x4 image not divisible by 4', async () => {
    const missing = testGraph();
    missing.edges = missing.edges.filter((e) => !(e.to.node === 's' && e.to.port === 'measurement'));
    expect(await s.caller.graph.compile({ document: missing })).toEqual({
      ok: false,
      issues: { nodes: { s: ["input 'Measurement' is not connected"] }, graph: [] },
    });

    const cycle = testGraph();
    cycle.edges = cycle.edges.filter((e) => !(e.to.node === 'sim' && e.to.port === 'image'));
    cycle.edges.push({ from: { node: 's', port: 'image' }, to: { node: 'sim', port: 'image' } });
    const c = await s.caller.graph.compile({ document: cycle });
    expect(c.ok).toBe(false);
    if (!c.ok) {
      expect(c.issues.graph).toEqual(['the graph has a cycle']);
      expect(Object.keys(c.issues.nodes).sort()).toEqual(['s', 'sim']);
    }

    const bad = testGraph();
    bad.nodes.sim.params.sigmaY = 3;
    const b = await s.caller.graph.compile({ document: bad });
    expect(!b.ok && b.issues.nodes).toEqual({ sim: [matching(/^sigmaY: Too big/)] });

    const sr = testGraph({ task: 'sr-x4', size: 66 });
    const r = await s.caller.graph.compile({ document: sr });
    expect(!r.ok && r.issues.nodes).toEqual({ sim: ['sr-x4 needs height and width divisible by 4, got 66x66'] });
  });

  it('reports a missing sample image and an unknown uploaded model at their nodes', async () => {
    const r = await s.caller.graph.compile({ document: testGraph({ source: 'sample:nope', model: 'sha256:' + 'a'.repeat(64) }) });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues.nodes.img[0]).toMatch(/no sample image 'nope' \(samples: astronaut, chelsea, coffee, photo-/);
    }
    const m = await s.caller.graph.compile({ document: testGraph({ model: 'sha256:' + 'a'.repeat(64) }) });
    expect(!m.ok && m.issues.nodes.prior[0]).toMatch(/no uploaded model sha256:a{64}/);
  });
});

describe('the HTTP handler', () => {
  const call = (req: Request) => fetchRequestHandler({ endpoint: '/api/trpc', req, router: appRouter, createContext: () => ({ ...s.services, principal: LOCAL_PRINCIPAL }) });

  it('flattens a ZodError into data.zodError', async () => {
    const res = await call(
      new Request('http://x/api/trpc/graph.compile', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ document: { format: 1 } }) }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { data: { code: string; zodError: { fieldErrors: Record<string, string[]> } } } };
    expect(body.error.data.code).toBe('BAD_REQUEST');
    expect(body.error.data.zodError.fieldErrors.document).toBeDefined();
  });

  it('maps engine errors to tRPC codes with the message kept, and graph issues into data.graphIssues', async () => {
    const res = await call(
      new Request('http://x/api/trpc/images.upload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ base64: 'aGVsbG8gd29ybGQ=' }) }),
    );
    const body = (await res.json()) as { error: { message: string; data: { code: string; spgdCode: string } } };
    expect(res.status).toBe(400);
    expect(body.error.data).toMatchObject({ code: 'BAD_REQUEST', spgdCode: 'BAD_IMAGE' });
    expect(body.error.message).toMatch(/^not a PNG or JPEG file/);

    const doc = testGraph();
    doc.nodes.warm.params.steps = -1;
    const r2 = await call(new Request('http://x/api/trpc/run.start', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ document: doc }) }));
    const b2 = (await r2.json()) as { error: { message: string; data: { graphIssues: { nodes: Record<string, string[]> } } } };
    expect(r2.status).toBe(400);
    expect(b2.error.message).toMatch(/the graph does not compile: warm: steps/);
    expect(Object.keys(b2.error.data.graphIssues.nodes)).toEqual(['warm']);
  });

  it('answers GET queries and accepts multipart uploads', async () => {
    const res = await call(new Request('http://x/api/trpc/presets.list'));
    const body = (await res.json()) as { result: { data: { builtIn: boolean }[] } };
    expect(body.result.data.filter((p) => p.builtIn)).toHaveLength(BUILT_IN_PRESET_COUNT);

    const fs = await import('node:fs');
    const form = new FormData();
    form.set('file', new Blob([fs.readFileSync(new URL('../../tests/fixtures/images/astronaut-64.png', import.meta.url))], { type: 'image/png' }), 'a.png');
    const up = await call(new Request('http://x/api/trpc/images.upload', { method: 'POST', body: form }));
    const ub = (await up.json()) as { result: { data: { sha256: string; width: number } } };
    expect(ub.result.data).toMatchObject({ width: 64, height: 64, sha256: matching(/^[0-9a-f]{64}$/) });
  });

  it('streams run.events as Server-Sent Events with event ids, ending at the terminal event', async () => {
    const { runId } = await s.caller.run.start({ document: testGraph({ steps: 3, size: 16 }) });
    const input = encodeURIComponent(JSON.stringify({ runId }));
    const res = await call(new Request(`http://x/api/trpc/run.events?input=${input}`, { headers: { accept: 'text/event-stream' } }));
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let text = '';
    while (!text.includes('"type":"finished"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value);
    }
    await reader.cancel();
    const ids = [...text.matchAll(/^id: ?(\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids.slice(0, 3)).toEqual([1, 2, 3]);
    expect(text).toMatch(/"type":"queued"/);
    expect(text).toMatch(/"type":"finished"/);
  });
});

