/**
 * The server locked down, tried over real HTTP against the production build as an attacker and
 * a careless client would: binding and credentials, host and origin checks, headers, request
 * and memory bounds, the work cap, errors, disk retention and the CLI's early checks. Each probe
 * records its status code and time (report.ts).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { record, writeReport } from './report';
import { bigPng, embeddedGraphBytes, fanOut, getWithHost, largeImageGraph, postDeclared, presetGraph } from './probes';
import { client, REPO, request, startRefused, startServer, waitForRun, type Server } from './server';

const TOKEN = 'http-test-token-0123456789abcdef';
const bearer = { authorization: `Bearer ${TOKEN}` };
const MiB = 2 ** 20;

/** A Host/Origin pair as a browser on this page would send. */
const sameOrigin = (s: Server) => ({ origin: s.base, 'sec-fetch-site': 'same-origin' });

let guarded: Server; // SPGD_AUTH_TOKEN, listening on every interface
let open: Server; // no credentials, loopback only (the default)
let capped: Server; // low limits: run time and memory, data quota

beforeAll(async () => {
  [guarded, open, capped] = await Promise.all([
    startServer({ port: 3501, env: { SPGD_HOST: '0.0.0.0', SPGD_AUTH_TOKEN: TOKEN } }),
    startServer({ port: 3502 }),
    startServer({ port: 3503, env: { SPGD_MAX_RUN_SECONDS: '600', SPGD_MAX_RUN_MB: '2048', SPGD_DATA_QUOTA_MB: '1.5' } }),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([guarded.stop(), open.stop(), capped.stop()]);
  writeReport('http-probes.md');
});

describe('binding and credentials', () => {
  it('refuses to start off loopback without a token or users', async () => {
    const r = await startRefused({ port: 3504, env: { SPGD_HOST: '0.0.0.0' } });
    record({ finding: '1 auth', probe: 'start on 0.0.0.0 without SPGD_AUTH_TOKEN', status: `exit ${String(r.code)}`, ms: r.ms });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/refusing to listen on 0\.0\.0\.0 without credentials/);
    const weak = await startRefused({ port: 3504, env: { SPGD_HOST: '0.0.0.0', SPGD_AUTH_TOKEN: 'short' } });
    expect(weak.code).toBe(1);
    expect(weak.output).toMatch(/SPGD_AUTH_TOKEN: use a token of 16 characters or more/);
  });

  it('listens on loopback only by default', async () => {
    const lan = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    expect((await request(`${open.base}/api/trpc/presets.list`)).status).toBe(200);
    if (lan) {
      // the open server is not reachable on the machine's network address; the guarded one is
      await expect(fetch(`http://${lan}:${open.port}/`)).rejects.toThrow();
      expect((await request(`http://${lan}:${guarded.port}/api/trpc/presets.list`, { headers: bearer })).status).toBe(200);
    }
  });

  it('answers 401 without a token or with a wrong one, on the API and on assets, and 200 with it', async () => {
    const api = `${guarded.base}/api/trpc/presets.list`;
    for (const [probe, headers, want] of [
      ['presets.list, no token', {}, 401],
      ['presets.list, wrong token', { authorization: 'Bearer not-the-token-0123456789' }, 401],
      ['presets.list, right token', bearer, 200],
    ] as const) {
      const r = await request(api, { headers });
      record({ finding: '1 auth', probe, status: r.status, ms: r.ms });
      expect(r.status).toBe(want);
    }
    for (const asset of ['/models/spgd-prior-v1.onnx', '/samples/astronaut.png', `/api/assets/${'a'.repeat(64)}`]) {
      const r = await request(`${guarded.base}${asset}`);
      record({ finding: '1 auth', probe: `GET ${asset}, no token`, status: r.status, ms: r.ms });
      expect(r.status).toBe(401);
    }
    expect((await request(`${guarded.base}/samples/astronaut.png`, { headers: bearer })).status).toBe(200);
    const del = await client(guarded.base).mutate('presets.delete', { id: 'builtin-spgd-inpaint-random' });
    record({ finding: '1 auth', probe: 'presets.delete, no token', status: del.status, ms: del.ms });
    expect(del.status).toBe(401);
  });

  it('logs a browser in on the login page (session cookie), sends it back there on a 401, with no CSP violation', async () => {
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(`${guarded.base}/`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await page.getByTestId('login-token').fill('wrong-token-0123456789');
      await page.getByTestId('login-submit').click();
      await page.getByTestId('login-error').waitFor();
      await page.getByTestId('login-token').fill(TOKEN);
      await page.getByTestId('login-submit').click();
      await page.getByTestId('editor').waitFor({ timeout: 60_000 });
      const [cookie] = await page.context().cookies();
      expect(cookie).toMatchObject({ name: 'spgd_session', httpOnly: true, sameSite: 'Strict' });
      // the editor loaded its default preset through the API with the cookie
      await page.locator('[data-node-type]').first().waitFor({ timeout: 60_000 });
      // the session goes: the next API call sends the tab to the login page
      await page.context().clearCookies();
      await page.getByTestId('run-button').click();
      await page.waitForURL(/\/login\?next=/, { timeout: 30_000 });
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('users and owners', () => {
  let users: Server;
  const tokens: Record<string, string> = {};
  const as = (name: string) => client(users.base, { authorization: `Bearer ${tokens[name]}` });

  beforeAll(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spgd-http-users-'));
    for (const [name, admin] of [
      ['alice', false],
      ['bob', false],
      ['root', true],
    ] as const) {
      const r = spawnSync(process.execPath, ['bin/spgd.mjs', 'users', 'add', name, ...(admin ? ['--admin'] : [])], { cwd: REPO, env: { ...process.env, SPGD_DATA_DIR: dataDir }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      tokens[name] = r.stdout.trim();
    }
    // users exist: off loopback is allowed without SPGD_AUTH_TOKEN
    users = await startServer({ port: 3505, env: { SPGD_HOST: '0.0.0.0' }, dataDir });
  }, 120_000);
  afterAll(() => users.stop());

  it('records owners: only the owner or an admin overwrites, deletes or cancels; built-ins stay read-only', async () => {
    const saved = await as('alice').mutate<{ id: string }>('presets.save', { name: "alice's", document: presetGraph() });
    expect(saved.status).toBe(200);
    const id = saved.body.result.data.id;
    const list = await as('bob').query<{ id: string; owner: string | null }[]>('presets.list');
    expect(list.body.result.data.find((p) => p.id === id)?.owner).toBe('alice');

    const bobDelete = await as('bob').mutate('presets.delete', { id });
    const bobOverwrite = await as('bob').mutate('presets.save', { name: "alice's", document: presetGraph(), overwrite: true });
    record({ finding: '1 auth', probe: "bob deletes alice's preset", status: bobDelete.status, ms: bobDelete.ms });
    expect(bobDelete.status).toBe(403);
    expect(bobOverwrite.status).toBe(403);
    expect((await as('alice').mutate('presets.save', { name: "alice's", document: presetGraph({ size: 16 }), overwrite: true })).status).toBe(200);
    const builtIn = await as('root').mutate('presets.delete', { id: 'builtin-spgd-inpaint-random' });
    expect(builtIn.status).toBe(403);

    const run = await as('alice').mutate<{ runId: string }>('run.start', { document: presetGraph({ steps: 1000, warmup: 5, size: 64 }) });
    const runId = run.body.result.data.runId;
    const bobCancel = await as('bob').mutate('run.cancel', { runId });
    record({ finding: '1 auth', probe: "bob cancels alice's run", status: bobCancel.status, ms: bobCancel.ms });
    expect(bobCancel.status).toBe(403);
    expect((await as('root').mutate<{ status: string }>('run.cancel', { runId })).body.result.data.status).toBe('cancelled');
    expect((await as('bob').mutate('run.delete', { runId })).status).toBe(403);
    expect((await as('alice').mutate('run.delete', { runId })).status).toBe(200);
    expect((await as('root').mutate('presets.delete', { id })).status).toBe(200);
  });
});

describe('origin and host', () => {
  it('refuses hosts other than this machine (DNS rebinding)', async () => {
    for (const [host, want] of [
      ['evil.example', 403],
      [`evil.example:${guarded.port}`, 403],
      [`localhost:${guarded.port}`, 200],
      [`127.0.0.1:${guarded.port}`, 200],
    ] as const) {
      const r = await getWithHost(`${guarded.base}/api/trpc/presets.list`, host, bearer);
      record({ finding: '2 host', probe: `Host: ${host}`, status: r.status, ms: r.ms });
      expect(r.status).toBe(want);
    }
  });

  it('refuses cross-site mutations and uploads, takes same-origin ones', async () => {
    const c = client(guarded.base, bearer);
    const png = Buffer.from(bigPng(32, 32, 1)).toString('base64');
    for (const [probe, headers, want] of [
      ['images.upload, Origin: http://evil.example', { origin: 'http://evil.example' }, 403],
      ['images.upload, Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site', origin: 'http://evil.example' }, 403],
      ['images.upload, Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }, 403],
      ['images.upload, same origin', sameOrigin(guarded), 200],
    ] as const) {
      const r = await c.mutate('images.upload', { name: 'x.png', base64: png }, headers);
      record({ finding: '2 origin', probe, status: r.status, ms: r.ms });
      expect(r.status).toBe(want);
    }
    const del = await c.mutate('presets.delete', { id: 'nope' }, { origin: 'http://evil.example' });
    expect(del.status).toBe(403);
  });

  it('sends nosniff, a CSP that allows the wasm worker, frame-ancestors none and a referrer policy', async () => {
    const r = await request(`${guarded.base}/login`);
    const csp = r.headers.get('content-security-policy') ?? '';
    record({ finding: '2 headers', probe: 'GET /login headers', status: r.status, ms: r.ms, note: csp.slice(0, 60) });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/worker-src 'self' blob:/);
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    // the page's inline scripts carry the nonce of the policy
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    const scripts = String(r.body).match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const s of scripts) expect(s).toContain(`nonce="${nonce ?? '?'}"`);
  });
});

describe('bounded memory', () => {
  it('four uploads of 4000x4000 PNGs grow the resident memory by at most 400 MB in total', async () => {
    const c = client(open.base);
    const pngs = [1, 2, 3, 4].map((seed) => bigPng(4000, 4000, seed));
    const before = open.rssMB();
    for (const [i, png] of pngs.entries()) {
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), `big-${i}.png`);
      const r = await request(`${open.base}/api/trpc/images.upload`, { method: 'POST', body: form });
      record({ finding: '3 memory', probe: `upload ${i + 1}: ${(png.length / 1024).toFixed(0)} KB PNG, 4000x4000`, status: r.status, ms: r.ms, note: `RSS ${before.toFixed(0)} -> ${open.rssMB().toFixed(0)} MB` });
      expect(r.status).toBe(200);
    }
    const growth = open.rssMB() - before;
    record({ finding: '3 memory', probe: 'RSS growth after 4 uploads', status: '-', ms: 0, note: `+${growth.toFixed(0)} MB` });
    expect(growth).toBeLessThan(400);
    expect((await c.query<{ id: string }[]>('models.list')).status).toBe(200);
  });

  it('a 512 px, 1-step run on the shipped prior leaves little memory held (sessions trimmed to their budget)', async () => {
    const before = open.rssMB();
    const start = await client(open.base).mutate<{ runId: string }>('run.start', { document: presetGraph({ size: 512, steps: 1, warmup: 1, model: 'default' }) });
    expect(start.status).toBe(200);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, open.rssMB())), 50);
    const { last } = await waitForRun(open.base, start.body.result.data.runId);
    clearInterval(sampler);
    expect(last.type).toBe('finished');
    await new Promise((r) => setTimeout(r, 2000));
    const held = open.rssMB() - before;
    record({ finding: '3 memory', probe: '512 px, 1-step run (shipped prior)', status: last.type as string, ms: 0, note: `RSS ${before.toFixed(0)} -> peak ${peak.toFixed(0)} -> ${open.rssMB().toFixed(0)} MB after (+${held.toFixed(0)} held)` });
    expect(held).toBeLessThan(800);
  });
});

describe('bounded requests', () => {
  const list = (n: number) => `${guarded.base}/api/trpc/${Array.from({ length: n }, () => 'presets.list').join(',')}?batch=1&input=${encodeURIComponent('{}')}`;

  it('refuses tRPC batches over 16 calls at once', async () => {
    for (const [n, want] of [
      [16, 200],
      [17, 400],
      [1000, 400],
    ] as const) {
      const r = await request(list(n), { headers: bearer });
      record({ finding: '4 batch', probe: `${n} x presets.list in one batch`, status: r.status, ms: r.ms });
      expect(r.status === want || (n === 1000 && r.status === 431)).toBe(true);
      expect(r.ms).toBeLessThan(30_000);
    }
  });

  it('refuses bodies over the limit before reading them: a 300 MB upload, a 3 MiB JSON body, a 6 MiB document, 20 MB of junk in params', async () => {
    const before = guarded.rssMB();
    const up = await postDeclared(`${guarded.base}/api/trpc/images.upload`, 300 * MiB, bearer);
    record({ finding: '4 body', probe: 'images.upload declaring 300 MB', status: up.status, ms: up.ms, note: `RSS +${(guarded.rssMB() - before).toFixed(0)} MB` });
    expect(up.status).toBe(413);
    expect(guarded.rssMB() - before).toBeLessThan(50);

    const c = client(guarded.base, bearer);
    const big = await c.raw('run.cancel', JSON.stringify({ runId: 'x', pad: 'x'.repeat(3 * MiB) }));
    record({ finding: '4 body', probe: 'run.cancel, 3 MiB JSON', status: big.status, ms: big.ms });
    expect(big.status).toBe(413);
    // a document may carry a few embedded files beyond the JSON limit, not megabytes more
    const bigDocument = await c.raw('graph.compile', JSON.stringify({ document: presetGraph(), pad: 'x'.repeat(6 * MiB) }));
    record({ finding: '4 body', probe: 'graph.compile, 6 MiB JSON', status: bigDocument.status, ms: bigDocument.ms });
    expect(bigDocument.status).toBe(413);
    const junk = presetGraph();
    junk.nodes.img.params.junk = 'x'.repeat(20 * MiB);
    const j = await c.raw('presets.save', JSON.stringify({ name: 'junk', document: junk }));
    record({ finding: '4 body', probe: 'presets.save, 20 MB junk in params', status: j.status, ms: j.ms });
    expect(j.status).toBe(413);
    const chunked = await request(`${guarded.base}/api/trpc/images.upload`, {
      method: 'POST',
      headers: bearer,
      body: new ReadableStream({
        start: (ctl) => {
          ctl.enqueue(new Uint8Array(1024));
          ctl.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    record({ finding: '4 body', probe: 'images.upload, streamed without Content-Length', status: chunked.status, ms: chunked.ms });
    expect(chunked.status).toBe(411);
  });

  it('validates params strictly and bounds strings; thumbnails are PNG/JPEG data URLs of at most 256 KiB', async () => {
    const c = client(guarded.base, bearer);
    const junk = presetGraph();
    junk.nodes.img.params.junk = 'x'.repeat(MiB);
    for (const [probe, proc, input] of [
      ['presets.save, 1 MB unknown param', 'presets.save', { name: 'junk', document: junk }],
      ['run.start, 1 MB unknown param', 'run.start', { document: junk }],
      ['presets.save, 2000-character title', 'presets.save', { name: 'junk', document: { ...presetGraph(), nodes: { ...presetGraph().nodes, img: { ...presetGraph().nodes.img, title: 'x'.repeat(2000) } } } }],
      ['presets.save, javascript: thumbnail', 'presets.save', { name: 'thumb', document: presetGraph(), thumbnail: 'javascript:alert(1)' }],
      ['presets.save, 300 KiB PNG thumbnail', 'presets.save', { name: 'thumb', document: presetGraph(), thumbnail: `data:image/png;base64,${Buffer.concat([Buffer.from(bigPng(8, 8, 1)), Buffer.alloc(300 * 1024)]).toString('base64')}` }],
      ['presets.save, GIF bytes as image/png', 'presets.save', { name: 'thumb', document: presetGraph(), thumbnail: `data:image/png;base64,${Buffer.from('GIF89a........').toString('base64')}` }],
    ] as const) {
      const r = await c.mutate(proc, input);
      record({ finding: '4 params', probe, status: r.status, ms: r.ms });
      expect(r.status).toBe(400);
    }
    const big = await c.raw('presets.save', JSON.stringify({ name: 'thumb', document: presetGraph(), thumbnail: `javascript:${'x'.repeat(1.9 * MiB)}` }));
    record({ finding: '4 params', probe: 'presets.save, 1.9 MB javascript: thumbnail', status: big.status, ms: big.ms });
    expect([400, 413]).toContain(big.status);

    const thumb = `data:image/png;base64,${Buffer.from(bigPng(16, 16, 2)).toString('base64')}`;
    const ok = await c.mutate<{ id: string }>('presets.save', { name: 'with thumbnail', document: presetGraph(), thumbnail: thumb });
    expect(ok.status).toBe(200);
    const summaries = await c.query<Record<string, unknown>[]>('presets.list');
    record({ finding: '4 list', probe: 'presets.list', status: summaries.status, ms: summaries.ms, note: `${JSON.stringify(summaries.body).length} bytes for ${summaries.body.result.data.length} presets` });
    const mine = summaries.body.result.data.find((p) => p.id === ok.body.result.data.id);
    for (const p of summaries.body.result.data) expect(p).not.toHaveProperty('document');
    expect(mine?.thumbnail).toMatch(/^\/api\/presets\/.+\/thumbnail\?v=\d+$/);
    const img = await fetch(`${guarded.base}${String(mine?.thumbnail)}`, { headers: bearer });
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await img.arrayBuffer()).equals(Buffer.from(thumb.split(',')[1], 'base64'))).toBe(true);
  });

  it('limits the rate of mutations per client (429 with Retry-After)', async () => {
    const limited = await startServer({ port: 3507, env: { SPGD_RATE_LIMIT: '40' } });
    onTestFinished(() => limited.stop());
    const c = client(limited.base);
    const statuses: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < 45; i++) statuses.push((await c.mutate('graph.compile', { document: presetGraph() })).status);
    const first429 = statuses.indexOf(429);
    record({ finding: '4 rate', probe: '45 x graph.compile (SPGD_RATE_LIMIT=40)', status: `${statuses.filter((x) => x === 200).length} x 200, ${statuses.filter((x) => x === 429).length} x 429`, ms: performance.now() - t0 });
    expect(first429).toBeGreaterThan(30);
    expect(statuses.slice(first429).every((x) => x === 429)).toBe(true);
    const r = await c.mutate('graph.compile', { document: presetGraph() });
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    // reads still work
    expect((await c.query('presets.list')).status).toBe(200);
  });
});

describe('the work cap and errors', () => {
  interface Plan {
    estimate: { seconds: number; memoryMB: number };
    steps: { node: string; estimate: { memoryMB: number } }[];
  }

  it('counts every node in the estimate: a 30-node fan-out at 1024 px is estimated at the 360 MB it holds', async () => {
    const r = await client(guarded.base, bearer).mutate<{ ok: boolean; plan: Plan }>('graph.compile', { document: fanOut(30, 1024) });
    const plan = r.body.result.data.plan;
    record({ finding: '5 estimate', probe: '30 x Resize to 1024 px', status: r.status, ms: r.ms, note: `estimate ${plan.estimate.memoryMB} MB, ${plan.estimate.seconds} s` });
    expect(plan.estimate.memoryMB).toBeGreaterThan(360);
  });

  it('refuses runs over the time, memory, pixel and node limits, naming the costliest node and the options', async () => {
    const c = client(capped.base);
    const cases = [
      ['1024 px, T=1000, N=5 on the shipped prior', presetGraph({ size: 1024, steps: 1000, warmup: 5, model: 'default' }), /estimated at \d+ s, more than this server runs \(600 s, SPGD_MAX_RUN_SECONDS\); the costliest node is 'spgd' \(DDIM step \(SPGD sampler\)\).*downscale the image to \d+ px \(it is 1024x1024\), or run it in the browser/],
      ['30 x Resize to 4096 px', fanOut(30, 4096), /more than this server gives a run \(2048 MB, SPGD_MAX_RUN_MB\); the costliest node is 'r\d+' \(Resize \/ crop image\).*run it in the browser/],
      ['sampler at 2048 px', largeImageGraph(2048), /restores a 2048x2048 image \(4\.2 MP, an estimated \d+ s and \d+ MB\).*SPGD_MAX_RUN_PIXELS\): downscale the image to 1024 px, or run it in the browser/],
      ['600 nodes', fanOut(600, 8), /601 nodes|6\d\d nodes, more than this server runs \(500, SPGD_MAX_RUN_NODES\)/],
    ] as const;
    for (const [probe, document, message] of cases) {
      const r = await c.mutate('run.start', { document });
      record({ finding: '5 work cap', probe: `run.start, ${probe}`, status: r.status, ms: r.ms, note: r.body.error?.message.slice(0, 80) });
      expect(r.status).toBe(400);
      expect(r.body.error?.data.spgdCode).toBe('RUN_TOO_LARGE');
      expect(r.body.error?.message).toMatch(message);
    }
  });

  it('answers 400 with the per-node issues for a graph that does not compile, and never a stack trace', async () => {
    const c = client(guarded.base, bearer);
    const doc = presetGraph();
    doc.nodes.warm.params.steps = -1;
    const r = await c.mutate('run.start', { document: doc });
    record({ finding: '6 errors', probe: 'run.start, invalid graph', status: r.status, ms: r.ms });
    expect(r.status).toBe(400);
    expect(r.body.error?.data.spgdCode).toBe('GRAPH_INVALID');
    expect(Object.keys(r.body.error?.data.graphIssues?.nodes ?? {})).toEqual(['warm']);
    const compiled = await c.mutate<{ ok: false; issues: { nodes: Record<string, string[]> } }>('graph.compile', { document: doc });
    expect(compiled.body.result.data.issues.nodes).toEqual(r.body.error?.data.graphIssues?.nodes);

    const broken = await c.raw('run.start', '{"document": {');
    record({ finding: '6 errors', probe: 'run.start, malformed JSON', status: broken.status, ms: broken.ms });
    for (const reply of [r, broken]) {
      expect(reply.status).toBe(400);
      expect(JSON.stringify(reply.body)).not.toMatch(/"stack"|\n\s+at |\\n\s+at /);
    }
  });
});

describe('disk', () => {
  it('embeds only the compact document in the PNGs a run writes', async () => {
    const doc = presetGraph({ size: 32, steps: 2 });
    doc.nodes.save = { type: 'spgd:output/save-image', typeVersion: 1, params: { filename: 'copy.png' }, mode: 'active' };
    doc.edges.push({ from: { node: 'spgd', port: 'image' }, to: { node: 'save', port: 'image' } });
    // bulk the schema allows but no node uses: positions and groups of missing nodes, unused assets
    doc.ui = {
      positions: Object.fromEntries(Array.from({ length: 8000 }, (_, i) => [`gone${i}`, { x: i, y: i }])),
      groups: Array.from({ length: 1000 }, (_, i) => ({ id: `g${i}`, title: 'x'.repeat(200), nodes: [`gone${i}`], bounds: { x: 0, y: 0, width: 100, height: 100 }, color: 'slate' as const })),
    };
    doc.assets = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [i.toString(16).padStart(64, '0'), { kind: 'image' as const, name: 'y'.repeat(200) }]));
    const body = JSON.stringify({ document: doc });
    const start = await client(open.base).raw('run.start', body);
    expect(start.status).toBe(200);
    const runId = (start.body as unknown as { result: { data: { runId: string } } }).result.data.runId;
    expect((await waitForRun(open.base, runId)).last.type).toBe('finished');
    const dir = path.join(open.dataDir, 'runs', runId);
    const pngs = fs.readdirSync(dir).filter((f) => f.endsWith('.png'));
    expect(pngs.length).toBe(2);
    const embedded = pngs.map((f) => embeddedGraphBytes(fs.readFileSync(path.join(dir, f))));
    const written = pngs.reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);
    record({ finding: '7 disk', probe: `run.start with a ${(body.length / MiB).toFixed(2)} MiB request, 2 PNGs`, status: start.status, ms: start.ms, note: `graph embedded: ${embedded.join(' + ')} bytes; PNGs ${(written / 1024).toFixed(0)} KiB` });
    for (const b of embedded) expect(b).toBeGreaterThan(0);
    for (const b of embedded) expect(b).toBeLessThan(8 * 1024);
  });

  it('deletes a run with its files, prunes unpinned runs, and evicts the oldest unpinned runs past the quota', async () => {
    const c = client(capped.base);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await c.mutate<{ runId: string }>('run.start', { document: presetGraph({ size: 64, steps: 2, seed: i }) });
      ids.push(r.body.result.data.runId);
      await waitForRun(capped.base, ids[i]);
      if (i === 0) expect((await c.mutate('run.pin', { runId: ids[0], pinned: true })).status).toBe(200);
    }
    // the quota (1.5 MiB) has room for about two runs of 0.5 MB beside the database: the oldest unpinned
    // went first, the pinned one and the one that has just ended stay
    const storage = await c.query<{ usedBytes: number; quotaBytes: number; runs: { count: number; bytes: number }; uploadsBytes: number }>('run.storage');
    const kept = (await c.query<{ items: { id: string }[] }>('run.list', { limit: 20 })).body.result.data.items.map((r) => r.id);
    record({ finding: '7 disk', probe: '4 runs under a 1.5 MiB quota', status: storage.status, ms: storage.ms, note: `${(storage.body.result.data.usedBytes / MiB).toFixed(2)} MB used, runs kept: ${kept.length}` });
    expect(kept).toContain(ids[0]);
    expect(kept).toContain(ids[3]);
    expect(kept).not.toContain(ids[1]);
    // runs, uploads and the database's pages in use fit
    expect(storage.body.result.data.usedBytes).toBeLessThanOrEqual(storage.body.result.data.quotaBytes);

    const del = await c.mutate('run.delete', { runId: ids[3] });
    record({ finding: '7 disk', probe: 'run.delete', status: del.status, ms: del.ms });
    expect(del.status).toBe(200);
    expect(fs.existsSync(path.join(capped.dataDir, 'runs', ids[3]))).toBe(false);
    expect((await c.query('run.get', { runId: ids[3] })).status).toBe(404);

    const pruned = await c.mutate<{ deleted: number }>('run.prune', { olderThanDays: 0 });
    record({ finding: '7 disk', probe: 'run.prune olderThanDays 0', status: pruned.status, ms: pruned.ms, note: `${pruned.body.result.data.deleted} deleted` });
    const left = (await c.query<{ items: { id: string }[] }>('run.list', { limit: 20 })).body.result.data.items.map((r) => r.id);
    expect(left).toEqual([ids[0]]);
  });
});

describe('the command line checks before it runs', () => {
  const spgd = (...args: string[]) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['bin/spgd.mjs', ...args], { cwd: REPO, encoding: 'utf8' });
    return { code: r.status, stderr: r.stderr, ms: performance.now() - t0 };
  };
  const gt = path.join(REPO, 'public', 'samples', 'astronaut.png');

  it('caps --size with a clear error', () => {
    const r = spgd('restore', '--task', 'sr-x4', '--gt', gt, '--size', '100000', '--out', path.join(os.tmpdir(), 'x.png'));
    record({ finding: '8 CLI', probe: '--size 100000', status: `exit ${String(r.code)}`, ms: r.ms, note: r.stderr.trim() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--size 100000: at most 4096 px/);
  });

  it('checks --out before the run starts', () => {
    const r = spgd('restore', '--task', 'sr-x4', '--method', 'spgd', '--gt', gt, '--size', '256', '--out', '/nonexistent-dir/x.png');
    record({ finding: '8 CLI', probe: '--out /nonexistent-dir/x.png', status: `exit ${String(r.code)}`, ms: r.ms, note: r.stderr.trim() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out \/nonexistent-dir\/x\.png/);
  });
});
