/** Steps shared by the browser-backend specs: run on a backend, read the sampler's output. */
import { expect, type Page } from '@playwright/test';
import { parseNpy } from '../lib/io/npy';
import { waitForRunStatus } from './helpers';

export interface RunSnapshot {
  runId: string;
  backend?: string;
  note?: string;
  status: string;
  finished?: { metrics: { psnr?: number; ssim?: number; residual?: number | null }; seconds: number; nfe?: { forward: number; vjp: number } | number };
  progress?: { elapsedMs: number; nfe?: { forward: number; vjp: number } | number };
  error?: { node?: string; code: string; message: string };
}

type BrowserHook = { state(): RunSnapshot; tensor(runId: string, node: string, port: string): { shape: number[]; data: number[] } | null };

export async function runState(page: Page): Promise<RunSnapshot> {
  return page.evaluate(() => (window as unknown as { __spgdBrowser: BrowserHook }).__spgdBrowser.state());
}

export async function runOn(page: Page, backend: string, timeout = 170_000): Promise<RunSnapshot> {
  await page.getByTestId('backend-select').selectOption(backend);
  await page.getByTestId('run-button').click();
  const final = await waitForRunStatus(page, ['finished', 'error', 'cancelled'], timeout);
  const s = await runState(page);
  if (final !== 'finished') throw new Error(`${backend} run ended ${final}: ${JSON.stringify(s.error)}`);
  return s;
}

/** The sampler's output: the server's .npy, or the tensor the browser run kept in the tab. */
export async function samplerImage(page: Page, s: RunSnapshot, node = 'spgd'): Promise<Float32Array> {
  if (s.runId.startsWith('browser-')) {
    const t = await page.evaluate(
      ([runId, n]) => (window as unknown as { __spgdBrowser: BrowserHook }).__spgdBrowser.tensor(runId, n, 'image'),
      [s.runId, node] as const,
    );
    if (!t) throw new Error(`browser run ${s.runId} kept no ${node}.image`);
    return Float32Array.from(t.data);
  }
  const res = await page.request.get(`/api/artifacts/runs/${s.runId}/tensors/${node}.image.npy`);
  expect(res.ok()).toBe(true);
  return parseNpy(new Uint8Array(await res.body())).data;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

