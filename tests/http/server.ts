/**
 * The production server as the HTTP tests see it: `node --import tsx server/http/serve.ts` on
 * one of the ports given to these tests, with its own data folder and environment, one process
 * whose resident memory is read from /proc/<pid>/status. Also a small typed tRPC-over-HTTP
 * client (plain fetch, so every status code and header stays visible).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface Server {
  base: string;
  port: number;
  pid: number;
  dataDir: string;
  /** Everything it printed. */
  output(): string;
  /** Resident memory in MB (VmRSS). */
  rssMB(): number;
  /** SIGKILL, and wait for it to be gone. */
  kill9(): Promise<void>;
  /** SIGTERM, and wait for it to be gone; removes the data folder unless `keepData`. */
  stop(keepData?: boolean): Promise<void>;
}

export interface StartOptions {
  port: number;
  env?: Record<string, string>;
  /** Reuse a data folder (a restart after kill -9). */
  dataDir?: string;
  /** -H */
  host?: string;
}

export function rssMB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) / 1024;
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** Starts the server; resolves once it listens, rejects with its output if it exits first. */
export async function startServer(o: StartOptions): Promise<Server> {
  const dataDir = o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'spgd-http-'));
  const args = ['--import', 'tsx', 'server/http/serve.ts', '-p', String(o.port), ...(o.host ? ['-H', o.host] : [])];
  const child = spawn(process.execPath, args, {
    cwd: REPO,
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', SPGD_DATA_DIR: dataDir, SPGD_ORT_THREADS: '2', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = exited(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('SPGD Studio on')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void done.then((code) => {
      clearInterval(timer);
      reject(new Error(`the server exited (${String(code)}) before listening:\n${out}`));
    });
  });
  const pid = child.pid ?? 0;
  return {
    base: `http://127.0.0.1:${o.port}`,
    port: o.port,
    pid,
    dataDir,
    output: () => out,
    rssMB: () => rssMB(pid),
    async kill9() {
      child.kill('SIGKILL');
      await done;
    },
    async stop(keepData = false) {
      child.kill('SIGTERM');
      await done;
      if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs the server expecting it to refuse to start; resolves with its exit code and output. */
export async function startRefused(o: StartOptions): Promise<{ code: number | null; output: string; ms: number }> {
  const t0 = performance.now();
  try {
    const s = await startServer(o);
    await s.stop();
    return { code: 0, output: s.output(), ms: performance.now() - t0 };
  } catch (e) {
    const msg = (e as Error).message;
    const code = /exited \((\d+|null)\)/.exec(msg)?.[1];
    return { code: code === undefined || code === 'null' ? null : Number(code), output: msg, ms: performance.now() - t0 };
  }
}

// ------------------------------------------------------------------------------- tRPC over HTTP

export interface Reply<T = unknown> {
  status: number;
  ms: number;
  headers: Headers;
  /** The parsed body (tRPC envelope or the gate's error), or the text when it is not JSON. */
  body: T;
}

export type HeaderMap = Record<string, string>;

/** A pooled keep-alive socket the server closed just before it was reused: nothing reached the server. */
function isStaleSocket(e: unknown): boolean {
  const code = e instanceof Error && e.cause instanceof Error ? (e.cause as NodeJS.ErrnoException).code : undefined;
  return code === 'EPIPE' || code === 'ECONNRESET';
}

export async function request<T = unknown>(url: string, init: RequestInit = {}): Promise<Reply<T>> {
  const t0 = performance.now();
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'manual', ...init });
  } catch (e) {
    // Retried once (the failed socket has left the pool); a refusal by the server answers with a status instead.
    if (!isStaleSocket(e)) throw e;
    res = await fetch(url, { redirect: 'manual', ...init });
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, ms: performance.now() - t0, headers: res.headers, body: body as T };
}

/** A tRPC error as the server formats it (server/trpc.ts). */
export interface TrpcError {
  error: { message: string; data: { code: string; httpStatus: number; spgdCode: string | null; graphIssues: { nodes: Record<string, string[]>; graph: string[] } | null; node: string | null; stack?: string } };
}

export function client(base: string, headers: HeaderMap = {}) {
  const url = (proc: string) => `${base}/api/trpc/${proc}`;
  return {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it expects back
    query<T>(proc: string, input?: unknown, extra: HeaderMap = {}) {
      const q = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
      return request<{ result: { data: T } } & Partial<TrpcError>>(url(proc) + q, { headers: { ...headers, ...extra } });
    },
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it expects back
    mutate<T>(proc: string, input: unknown, extra: HeaderMap = {}) {
      return request<{ result: { data: T } } & Partial<TrpcError>>(url(proc), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers, ...extra },
        body: JSON.stringify(input),
      });
    },
    /** POST of raw bytes (e.g. a body that is too large), with the headers given. */
    raw(proc: string, body: BodyInit, extra: HeaderMap = {}) {
      return request<Partial<TrpcError>>(url(proc), { method: 'POST', headers: { 'content-type': 'application/json', ...headers, ...extra }, body });
    },
  };
}

/** Follows run.events until the terminal event; returns the event types and the last event. */
export async function waitForRun(base: string, runId: string, headers: HeaderMap = {}): Promise<{ types: string[]; last: Record<string, unknown> }> {
  const input = encodeURIComponent(JSON.stringify({ runId }));
  const res = await fetch(`${base}/api/trpc/run.events?input=${input}`, { headers: { accept: 'text/event-stream', ...headers } });
  if (!res.body) throw new Error(`run.events: ${res.status}`);
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  const types: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = block.split('\n').find((l) => l.startsWith('data: '));
      if (!data) continue;
      const parsed = JSON.parse(data.slice(6)) as { type?: string; data?: { type?: string } };
      const event = (parsed.data ?? parsed) as Record<string, unknown> & { type?: string };
      if (typeof event.type !== 'string') continue;
      types.push(event.type);
      if (['finished', 'error', 'cancelled'].includes(event.type)) {
        await reader.cancel();
        return { types, last: event };
      }
    }
  }
  throw new Error(`run.events of ${runId} (HTTP ${res.status}) ended without a terminal event: ${types.join(', ')}${buf ? `; it last sent ${buf.slice(0, 300)}` : ''}`);
}
