import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, type AuthConfig } from '../auth';
import { openDb } from '../db';
import { bodyLimit, createGate, crossSiteProblem, trpcProcedures, type GateConfig } from './gate';
import { bindingProblem, hostName, isAllowedHost, isLoopback } from './hosts';

const TOKEN = 'gate-test-token-0123456789abcdef';
const MiB = 2 ** 20;
const env: GateConfig['env'] = { allowedHosts: ['studio.example.org', '.lab.example'], maxJsonBytes: 2 * MiB, maxImageBytes: 25 * MiB, maxModelBytes: 1024 * MiB, rateLimit: 20 };

describe('host names', () => {
  it('parses Host headers and knows loopback', () => {
    expect(hostName('Localhost:3000')).toBe('localhost');
    expect(hostName('[::1]:3000')).toBe('::1');
    expect(hostName('example.org.')).toBe('example.org');
    expect(hostName('')).toBeNull();
    expect(hostName('a b')).toBeNull();
    for (const h of ['localhost', 'app.localhost', '127.0.0.1', '127.9.9.9', '::1']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'localhost.evil.example']) expect(isLoopback(h)).toBe(false);
  });

  it('allows this machine and the configured names only', () => {
    expect(isAllowedHost('localhost:3500', [])).toBe(true);
    expect(isAllowedHost('127.0.0.1', [])).toBe(true);
    expect(isAllowedHost('evil.example', [])).toBe(false);
    expect(isAllowedHost('studio.example.org:443', env.allowedHosts)).toBe(true);
    expect(isAllowedHost('gpu.lab.example', env.allowedHosts)).toBe(true);
    expect(isAllowedHost('lab.example.evil.org', env.allowedHosts)).toBe(false);
    expect(isAllowedHost(undefined, [])).toBe(false);
  });

  it('refuses to listen off loopback without credentials', () => {
    expect(bindingProblem('127.0.0.1', false)).toBeNull();
    expect(bindingProblem('0.0.0.0', false)).toMatch(/refusing to listen on 0\.0\.0\.0 without credentials.*SPGD_AUTH_TOKEN/);
    expect(bindingProblem('0.0.0.0', true)).toBeNull();
  });
});

describe('request rules', () => {
  it('limits bodies per route', () => {
    expect(bodyLimit('/api/trpc/presets.list', env)).toBe(2 * MiB);
    // documents may carry eight 256 KiB files (as base64) beyond the JSON limit
    const documentLimit = 2 * MiB + 8 * Math.ceil((256 * 1024 * 4) / 3);
    expect(bodyLimit('/api/trpc/presets.save', env)).toBe(documentLimit);
    expect(bodyLimit('/api/trpc/presets.list,run.start', env)).toBe(documentLimit);
    expect(bodyLimit('/api/trpc/run.record', env)).toBe(documentLimit + Math.ceil((25 * MiB * 4) / 3) + 64 * 1024);
    expect(bodyLimit('/api/trpc/images.upload', env)).toBe(Math.ceil((25 * MiB * 4) / 3) + 64 * 1024);
    expect(bodyLimit('/api/trpc/images.upload,presets.list', env)).toBe(2 * MiB);
    expect(bodyLimit('/api/trpc/models.upload', env)).toBeGreaterThan(1024 * MiB);
    expect(trpcProcedures('/api/trpc/a,b%2Cc')).toEqual(['a', 'b', 'c']);
    expect(trpcProcedures('/login')).toEqual([]);
  });

  it('tells same-origin requests from cross-site ones', () => {
    const h = (headers: Record<string, string>) => crossSiteProblem({ headers: { host: 'localhost:3500', ...headers } });
    expect(h({})).toBeNull();
    expect(h({ 'sec-fetch-site': 'same-origin' })).toBeNull();
    expect(h({ 'sec-fetch-site': 'cross-site', origin: 'http://localhost:3500' })).toMatch(/cross-site/);
    expect(h({ 'sec-fetch-site': 'same-site' })).toMatch(/same-site/);
    expect(h({ origin: 'http://localhost:3500' })).toBeNull();
    expect(h({ origin: 'http://evil.example' })).toMatch(/evil\.example/);
    expect(h({ origin: 'null' })).toMatch(/null/);
  });
});

describe('the gate in front of a server', () => {
  let server: http.Server;
  let base: string;
  let auth: AuthConfig;
  let passed = 0;

  beforeAll(async () => {
    auth = { db: openDb(':memory:'), token: TOKEN };
    const gate = createGate({ env, auth, dev: false });
    server = http.createServer((req, res) => {
      void gate(req, res).then((answered) => {
        if (answered) return;
        passed++;
        res.writeHead(200, { 'content-type': 'text/plain' }).end(req.headers['content-security-policy'] ?? '');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const bearer = { authorization: `Bearer ${TOKEN}` };

  it('sets the security headers and hands the nonce of the policy to the app', async () => {
    const res = await fetch(`${base}/api/trpc/presets.list`, { headers: bearer });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/worker-src 'self' blob:/);
    expect(csp).toMatch(/'wasm-unsafe-eval'/);
    expect(await res.text()).toBe(csp); // the request carried the same policy (and nonce)
    expect(csp).toMatch(/'nonce-[A-Za-z0-9+/=]{24}'/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const again = await fetch(`${base}/api/trpc/presets.list`, { headers: bearer });
    expect(again.headers.get('content-security-policy')).not.toBe(csp);
  });

  it('answers 401 without credentials or with a wrong token, and sends pages to the login', async () => {
    expect((await fetch(`${base}/api/trpc/presets.list`)).status).toBe(401);
    expect((await fetch(`${base}/api/trpc/presets.list`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/models/spgd-prior-v1.onnx`)).status).toBe(401);
    const page = await fetch(`${base}/?x=1`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2F%3Fx%3D1');
    expect((await fetch(`${base}/login`)).status).toBe(200);
    expect((await fetch(`${base}/_next/static/chunks/x.js`)).status).toBe(200);
  });

  it("lets workers fetch assets with the workers' token, not a user's credentials", async () => {
    const workerToken = 'w'.repeat(32);
    const gate = createGate({ env: { ...env, workerToken }, auth, dev: false });
    const srv = http.createServer((req, res) => {
      void gate(req, res).then((answered) => {
        if (!answered) res.writeHead(200).end('asset');
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/api/worker/assets/${'a'.repeat(64)}`;
    try {
      expect((await fetch(url, { headers: { authorization: `Bearer ${workerToken}` } })).status).toBe(200);
      expect((await fetch(url)).status).toBe(401);
      expect((await fetch(url, { headers: bearer })).status).toBe(401); // the API token is not the workers'
      expect((await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${workerToken}` }, body: 'x' })).status).toBe(405);
      // without a workers' token the route takes the usual credentials
      expect((await fetch(`${base}/api/worker/assets/${'a'.repeat(64)}`, { headers: bearer })).status).toBe(200);
      expect((await fetch(`${base}/api/worker/assets/${'a'.repeat(64)}`)).status).toBe(401);
    } finally {
      await new Promise<void>((r) => srv.close(() => r()));
    }
  });

  it('logs in with a token (form or JSON) and then takes the session cookie', async () => {
    const bad = await fetch(`${base}/api/auth/login`, { method: 'POST', body: new URLSearchParams({ token: 'nope', next: '/x' }), redirect: 'manual' });
    expect(bad.status).toBe(303);
    expect(bad.headers.get('location')).toBe('/login?error=1&next=%2Fx');
    const ok = await fetch(`${base}/api/auth/login`, { method: 'POST', body: new URLSearchParams({ token: TOKEN, next: '//evil.example' }), redirect: 'manual' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/');
    const cookie = ok.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^spgd_session=[A-Za-z0-9_-]+; HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800$/);
    const session = cookie.split(';')[0];
    expect((await fetch(`${base}/api/trpc/presets.list`, { headers: { cookie: session } })).status).toBe(200);

    const user = addUser(auth.db, 'carol', false);
    const json = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: user }) });
    expect(await json.json()).toEqual({ name: 'carol', admin: false });

    const out = await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: { cookie: session } });
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await fetch(`${base}/api/trpc/presets.list`, { headers: { cookie: session } })).status).toBe(401);
  });

  it('refuses other hosts, cross-site changes, bodies without a length or over the limit', async () => {
    const post = (path: string, headers: Record<string, string>, body: BodyInit = '{}') => fetch(`${base}${path}`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json', ...headers }, body });
    const evilHost = await new Promise<number>((resolve) => {
      http.get(`${base}/api/trpc/presets.list`, { headers: { ...bearer, host: 'evil.example' } }, (r) => {
        r.resume();
        resolve(r.statusCode ?? 0);
      });
    });
    expect(evilHost).toBe(403);
    expect((await post('/api/trpc/presets.delete', { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('/api/trpc/presets.delete', { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post('/api/trpc/presets.delete', {})).status).toBe(200);
    const big = await post('/api/trpc/presets.delete', {}, 'x'.repeat(2 * MiB + 1));
    expect(big.status).toBe(413);
    expect(await big.text()).toMatch(/at most 2097152/);
    // a document may carry files beyond the JSON limit
    expect((await post('/api/trpc/presets.save', {}, 'x'.repeat(2 * MiB + 1))).status).toBe(200);
    // a streamed body has no Content-Length
    const chunked = await fetch(`${base}/api/trpc/images.upload`, {
      method: 'POST',
      headers: bearer,
      body: new ReadableStream({
        start: (c) => {
          c.enqueue(new Uint8Array(10));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(411);
  });

  it('limits the rate of calls that change state, per client, with Retry-After', async () => {
    const before = passed;
    const statuses: number[] = [];
    // rateLimit is 20 calls a minute: a batch of 8 counts 8
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${base}/api/trpc/a,b,c,d,e,f,g,h?batch=1`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: '{}' })).status);
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses.slice(2)).toEqual([429, 429]);
    const res = await fetch(`${base}/api/trpc/a?batch=1`, { method: 'POST', headers: bearer, body: '{}' });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(passed - before).toBe(2);
    // reads are not limited
    expect((await fetch(`${base}/api/trpc/presets.list`, { headers: bearer })).status).toBe(200);
  });
});
