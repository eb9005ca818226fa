/** A worker's masks and kernels: uploaded .npy arrays as stored, pictures as grey levels, as on the server. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../lib/graph/hash';
import { encodePng } from '../../../lib/image';
import { encodeNpy } from '../../../lib/io/npy';
import type { Plan } from '../../../lib/plan/types';
import { PriorRegistry } from '../../priors';
import type { RunJobData } from './protocol';
import { RemoteAssets } from './remote-assets';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** RemoteAssets on a fake server that holds `files` by sha256 and counts its downloads. */
function remote(files: Uint8Array[]) {
  const bySha = new Map(files.map((f) => [sha256Hex(f), f]));
  const served: string[] = [];
  const fakeFetch: typeof fetch = (input) => {
    const sha = (input instanceof Request ? input.url : input.toString()).split('/').pop() ?? '';
    served.push(sha);
    const bytes = bySha.get(sha);
    return Promise.resolve(bytes ? new Response(new Uint8Array(bytes)) : new Response('not found', { status: 404 }));
  };
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spgd-remote-assets-'));
  dirs.push(cacheDir);
  const assets = new RemoteAssets({ serverUrl: 'http://server.test', token: null, cacheDir, fetch: fakeFetch });
  const job: RunJobData = { runId: 'r', plan: {} as Plan, assets: {}, priority: 'interactive', attemptBase: 0 };
  return { adapters: assets.adapters(job, new PriorRegistry(assets, { executionProviders: ['cpu'], ortThreads: 1 })), served };
}

describe('RemoteAssets.loadArray', () => {
  it('reads an uploaded .npy as stored (values and shape), fetched once', async () => {
    const values = Float32Array.from([0, 0.25, 1, 0.5, 2, -1]);
    const npy = encodeNpy([2, 3], values);
    const { adapters, served } = remote([npy]);
    const source = `sha256:${sha256Hex(npy)}`;
    const a = await adapters.loadArray?.(source);
    expect(a?.shape).toEqual([2, 3]);
    expect(Array.from(a?.data ?? [])).toEqual(Array.from(values));
    await adapters.loadArray?.(source);
    expect(served).toHaveLength(1);
  });

  it('reads a picture as grey levels in [0, 1]', async () => {
    const png = encodePng({ width: 2, height: 1, data: Uint8Array.from([255, 255, 255, 0, 0, 0]) });
    const { adapters } = remote([png]);
    const a = await adapters.loadArray?.(`sha256:${sha256Hex(png)}`);
    expect(a?.shape).toEqual([1, 2]);
    expect(a?.data[0]).toBeCloseTo(1, 5);
    expect(a?.data[1]).toBeCloseTo(0, 5);
  });

  it('refuses a source the server sent no hash for', async () => {
    const { adapters } = remote([]);
    await expect(async () => adapters.loadArray?.('sample:astronaut')).rejects.toThrow(/no content hash/);
  });
});
