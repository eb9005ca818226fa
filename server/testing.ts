/**
 * Test helpers: server services on a temporary data dir with an in-memory database (or a
 * file one, to simulate restarts), a caller, and event collection.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { LOCAL_PRINCIPAL, type Principal } from './auth';
import type { RunEvent } from './queue/events';
import { createCaller } from './routers/_app';
import { createServices, type Services } from './services';

const APP_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** How many built-in presets the server seeds: one per file of presets/. */
export const BUILT_IN_PRESET_COUNT = fs.readdirSync(path.join(APP_ROOT, 'presets')).filter((f) => f.endsWith('.json')).length;

export interface TestServer {
  services: Services;
  /** A caller as the local user (no credentials configured: may do anything). */
  caller: ReturnType<typeof createCaller>;
  /** A caller as someone else, e.g. a named user. */
  callerAs(principal: Principal, opts?: { signal?: AbortSignal }): ReturnType<typeof createCaller>;
  dataDir: string;
  close(): Promise<void>;
}

export function tempDataDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'spgd-server-'));
}

export function testServer(env: Record<string, string> = {}, dataDir = tempDataDir()): TestServer {
  const services = createServices({
    env: { SPGD_DATA_DIR: dataDir, SPGD_DB: ':memory:', SPGD_APP_ROOT: APP_ROOT, NODE_ENV: 'test', SPGD_ORT_THREADS: '1', SPGD_CALIBRATE: 'off', ...env },
  });
  return {
    services,
    caller: createCaller({ ...services, principal: LOCAL_PRINCIPAL }),
    callerAs: (principal, opts) => createCaller({ ...services, principal }, opts),
    dataDir,
    async close() {
      await services.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `expect.stringMatching(pattern)` typed `unknown`: vitest types its asymmetric matchers `any`
 * (so they fit any slot of toEqual/toMatchObject), which the no-unsafe-* lint rules refuse.
 */
export function matching(pattern: RegExp): unknown {
  return expect.stringMatching(pattern);
}

/** Every event of a run until its terminal one (from run.events, as a client sees them). */
export async function collectEvents(
  caller: TestServer['caller'],
  runId: string,
  onEvent?: (e: RunEvent) => void | Promise<void>,
  lastEventId?: string,
): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  const it = await caller.run.events({ runId, lastEventId });
  for await (const item of it as AsyncIterable<unknown>) {
    const e = (Array.isArray(item) ? item[1] : item) as RunEvent;
    out.push(e);
    await onEvent?.(e);
  }
  return out;
}
