/**
 * Processes and services around the distributed queue, for its integration tests and its
 * benchmark (no test framework here): the Redis that scripts/with-redis.sh started
 * (restartable), key prefixes, the server's HTTP routes for workers and the command line on a
 * loopback port, and `spgd` processes (workers, eval).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { Redis } from 'ioredis';
import { appRouter } from '../../server/routers/_app';
import { LOCAL_PRINCIPAL } from '../../server/auth';
import type { Services } from '../../server/services';
import { workerAssetResponse } from '../../server/worker-assets';

export const APP_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The test Redis: SPGD_TEST_REDIS_URL (scripts/with-redis.sh sets it; `npm run test:queue` runs through it). */
export function redisUrl(): string {
  const url = process.env.SPGD_TEST_REDIS_URL;
  if (!url) throw new Error('SPGD_TEST_REDIS_URL is not set: run these tests with `npm run test:queue` (it starts a Redis)');
  return url;
}

const port = () => new URL(redisUrl()).port;

function ping(): boolean {
  try {
    return execFileSync('redis-cli', ['-p', port(), 'ping'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'PONG';
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export { until };

/** Stops the test Redis (its data is on disk: append-only file, fsync always). */
export async function stopRedis(): Promise<void> {
  try {
    execFileSync('redis-cli', ['-p', port(), 'shutdown'], { stdio: 'ignore' });
  } catch {
    // the connection closes as it shuts down
  }
  await until('Redis to stop', () => !ping());
}

/** Starts the test Redis again from its config (SPGD_TEST_REDIS_CONF), with its data. */
export async function startRedis(): Promise<void> {
  const conf = process.env.SPGD_TEST_REDIS_CONF;
  if (!conf) throw new Error('SPGD_TEST_REDIS_CONF is not set: run these tests with `npm run test:queue`');
  execFileSync('redis-server', [conf], { stdio: 'ignore' });
  await until('Redis to start', ping);
}

/** Empties the test Redis, as a restart without persistence would. */
export function flushRedis(): void {
  execFileSync('redis-cli', ['-p', port(), 'flushall'], { stdio: 'ignore' });
}

/** A fresh key prefix, so test servers never see each other's queues. */
export function uniquePrefix(): string {
  return `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Deletes every key of a prefix. */
export async function clearPrefix(prefix: string): Promise<void> {
  const r = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}

/**
 * The server's HTTP routes that other processes use, on a loopback port: /api/worker/assets/
 * (workers) and /api/trpc (spgd eval --queue), through the same handlers Next serves them with.
 */
export async function httpServer(services: Services, listenPort: number): Promise<{ url: string; close(): Promise<void> }> {
  const base = `http://127.0.0.1:${listenPort}`;
  const handle = async (req: http.IncomingMessage): Promise<Response> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const request = new Request(new URL(req.url ?? '/', base), { method: req.method, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
    const path = new URL(request.url).pathname;
    const asset = /^\/api\/worker\/assets\/([^/]+)$/.exec(path);
    if (asset) return workerAssetResponse(services, asset[1], request.headers.get('authorization'));
    if (path.startsWith('/api/trpc')) return fetchRequestHandler({ endpoint: '/api/trpc', req: request, router: appRouter, createContext: () => ({ ...services, principal: LOCAL_PRINCIPAL }) });
    return new Response('not found', { status: 404 });
  };
  const server = http.createServer((req, res) => {
    void handle(req).then(async (response) => {
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(listenPort, '127.0.0.1', resolve));
  return {
    url: base,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface WorkerProcess {
  name: string;
  child: ChildProcess;
  /** Everything it printed. */
  output: () => string;
  /** Resolves when a line matching `pattern` has been printed. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** kill -9. */
  kill(): void;
  /** SIGTERM, then waits for it to exit. */
  stop(): Promise<void>;
}

/** Workers still running: killed when this process exits (they run in sessions of their own). */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Starts `spgd worker` (1 ONNX Runtime thread) and waits until it is ready. */
export async function startWorker(name: string, o: { prefix: string; serverUrl: string; env?: Record<string, string>; args?: string[] }): Promise<WorkerProcess> {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spgd-worker-cache-'));
  const child = spawn(process.execPath, ['bin/spgd.mjs', 'worker', '--redis', redisUrl(), '--server', o.serverUrl, '--name', name, '--cache-dir', cacheDir, ...(o.args ?? [])], {
    cwd: APP_ROOT,
    env: { ...process.env, SPGD_REDIS_PREFIX: o.prefix, SPGD_QUEUE_LOCK_MS: '8000', SPGD_ORT_THREADS: '1', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own session, as a worker started on its own is: with the kernel's autogroup scheduling
    // it then gets its own share of a shared machine instead of splitting this process's.
    detached: true,
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const w: WorkerProcess = {
    name,
    child,
    output: () => out,
    waitFor: (pattern, timeoutMs = 60_000) =>
      until(`worker ${name} to print ${String(pattern)} (it printed: ${out.slice(-800)})`, () => {
        if (child.exitCode !== null && !pattern.test(out)) throw new Error(`worker ${name} exited (${child.exitCode}): ${out.slice(-2000)}`);
        return pattern.test(out);
      }, timeoutMs),
    kill: () => child.kill('SIGKILL'),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      fs.rmSync(cacheDir, { recursive: true, force: true });
    },
  };
  await w.waitFor(/ready \(id /);
  return w;
}

/** Runs `spgd <args>` to its end without blocking this process (which may be the server it talks to). */
export function runSpgd(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/spgd.mjs', ...args], { cwd: APP_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
