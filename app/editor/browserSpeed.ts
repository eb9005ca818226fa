'use client';
/**
 * The browser backend's own speed, for the estimate of runs in this tab: a throughput table per
 * provider (lib/plan/throughput.ts) kept in localStorage, measured once by a short calibration in
 * the runner worker (nodes/calibrate.ts at 64 px), refined by every browser run, and the model's
 * download priced at this browser's measured download rate unless Cache Storage has it.
 * A plan compiled by the server is priced again here with `estimateTime`, the server's estimator.
 */
import type { BrowserBackend, ModelSource } from '../../lib/browser/protocol';
import { modelCacheKey } from '../../lib/browser/protocol';
import { MODEL_CACHE } from '../../lib/browser/runner';
import { closedModels as closedModelsOf, coldModels as coldModelsOf, estimateTime, learnFromRun, type IsWarm, type RunTimings } from '../../lib/plan/estimate';
import { CALIBRATION_TASK, emptyThroughput, readThroughput, Throughput } from '../../lib/plan/throughput';
import type { Plan } from '../../lib/plan/types';
import type { BackendChoice } from './runTypes';

export type BrowserProvider = 'wasm' | 'webgpu';

const TABLE_KEY = (p: BrowserProvider) => `spgd-throughput:browser-${p}`;
const PROVIDER_KEY = 'spgd-browser-provider';
/** Sizes the calibration measures (larger ones are scaled by FLOPs, then learnt from runs). */
export const BROWSER_CALIBRATION_SIZES = [64];

export function browserBackendOf(choice: BackendChoice): BrowserBackend {
  return choice === 'browser-webgpu' ? 'webgpu' : choice === 'browser-wasm' ? 'wasm' : 'auto';
}

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** The provider a run of this backend choice will most likely use (the last one that ran for 'auto'). */
export function expectedProvider(backend: BrowserBackend): BrowserProvider {
  if (backend !== 'auto') return backend;
  return storage()?.getItem(PROVIDER_KEY) === 'webgpu' ? 'webgpu' : 'wasm';
}

export function rememberProvider(p: 'webgpu' | 'wasm' | 'js'): void {
  if (p !== 'js') storage()?.setItem(PROVIDER_KEY, p);
}

export function loadBrowserThroughput(p: BrowserProvider): Throughput | null {
  const text = storage()?.getItem(TABLE_KEY(p));
  if (!text) return null;
  try {
    const t = readThroughput(JSON.parse(text), `browser-${p}`);
    return t?.calibrated ? t : null;
  } catch {
    return null;
  }
}

export function saveBrowserThroughput(p: BrowserProvider, t: Throughput): void {
  try {
    storage()?.setItem(TABLE_KEY(p), JSON.stringify(t.toJSON()));
  } catch {
    // storage full or blocked: the estimate forgets what it learnt, nothing else is lost
  }
}

/** The model sources of the last browser run (their sizes price a download before the next one). */
let knownModels: Record<string, ModelSource> = {};

/** "provider|model|task|pixels" whose sessions the worker holds open (they ran in this tab). */
const warm = new Set<string>();
/** Models found in Cache Storage (no download needed), by cache key. */
const inCache = new Map<string, boolean>();

const warmKey = (p: BrowserProvider, model: string, task: string | undefined, pixels: number) => `${p}|${model}|${task ?? ''}|${pixels}`;

/** Whether the worker holds the model's sessions for this task and size (the analytic prior has none to open). */
const isWarmIn =
  (p: BrowserProvider): IsWarm =>
  (model, task, pixels) =>
    model === 'gaussian' || warm.has(warmKey(p, model, task, pixels));

/** After a browser run: its models' sessions are open in the worker, their bytes in Cache Storage. */
export function markWarm(p: BrowserProvider, plan: Pick<Plan, 'steps'>, models: Record<string, ModelSource>): void {
  for (const s of plan.steps) {
    const c = s.sampler;
    if (!c?.model) continue;
    warm.add(warmKey(p, c.model, c.task, c.height * c.width));
    markCached(c.model, models);
  }
}

/**
 * After this tab's calibration: the worker holds the model open with the calibration task's
 * sessions at the calibrated sizes, and Cache Storage its bytes. (A run right after it is warm:
 * pricing it cold would add an opening it does not pay, and learning from it would then take
 * that opening off its sampler's time and price the next run far too low.)
 */
export function markCalibrated(p: BrowserProvider, model: string, sizes: readonly number[], models: Record<string, ModelSource>): void {
  for (const size of sizes) warm.add(warmKey(p, model, CALIBRATION_TASK, size * size));
  markCached(model, models);
}

/** The model's bytes are in Cache Storage (it ran or was calibrated in this tab). */
function markCached(model: string, models: Record<string, ModelSource>): void {
  const src = models[model] as ModelSource | undefined;
  if (src) inCache.set(modelCacheKey(src.url, src.sha256), true);
}

/** The worker was dropped (it crashed or ran out of memory): nothing is open any more. */
export function forgetWarm(): void {
  warm.clear();
}

/** Looks up which of the plan's models Cache Storage holds already (remembered for the synchronous estimate). */
export async function checkModelCache(plan: Pick<Plan, 'models'>, models: Record<string, ModelSource>): Promise<void> {
  knownModels = models;
  if (typeof caches === 'undefined') return;
  const cache = await caches.open(MODEL_CACHE).catch(() => null);
  for (const m of plan.models) {
    const src = models[m] as ModelSource | undefined;
    if (!src) continue;
    const key = modelCacheKey(new URL(src.url, location.origin).href, src.sha256);
    inCache.set(modelCacheKey(src.url, src.sha256), !!(await cache?.match(key).catch(() => undefined)));
  }
}

/**
 * The plan's time in this tab: its steps at this browser's measured speed, opening the models
 * that are not open in the worker, and downloading those that are not in Cache Storage.
 * Null when this browser was never measured.
 */
export function browserEstimate(plan: Pick<Plan, 'steps' | 'models'>, backend: BrowserBackend, models: Record<string, ModelSource> = knownModels): { seconds: number; download: number; load: number } | null {
  const p = expectedProvider(backend);
  const t = loadBrowserThroughput(p);
  if (!t) return null;
  const e = estimateTime(plan, {
    throughput: t,
    warm: isWarmIn(p),
    isOpen: (model) => isOpen(p, model),
    downloadBytes: (model) => {
      const src = models[model] as ModelSource | undefined;
      if (!src || model === 'gaussian') return 0;
      return inCache.get(modelCacheKey(src.url, src.sha256)) === true ? 0 : (src.bytes ?? 0);
    },
  });
  return { seconds: e.seconds, download: e.download, load: e.load };
}

/** Refines this browser's table with a finished run (and the download it made, if any). */
export function learnBrowserRun(
  p: BrowserProvider,
  plan: Pick<Plan, 'steps'>,
  timings: RunTimings,
  download: { bytes: number; seconds: number } | null,
): void {
  const t = loadBrowserThroughput(p) ?? new Throughput(emptyThroughput(`browser-${p}`));
  learnFromRun(t, plan, timings);
  if (download) t.recordDownload(download.bytes, download.seconds);
  saveBrowserThroughput(p, t);
}

/** Whether the worker holds the model open (some sessions of it ran in this tab). */
function isOpen(p: BrowserProvider, model: string): boolean {
  return [...warm].some((k) => k.startsWith(`${p}|${model}|`));
}

/** Of the plan's cold models, those the worker has not opened at all (they pay the whole opening). */
export function closedModels(p: BrowserProvider, plan: Pick<Plan, 'steps'>): string[] {
  return closedModelsOf(plan, isWarmIn(p), (m) => isOpen(p, m));
}

/** Whether a sampler of the plan would open sessions that are not open yet (those runs pay the opening). */
export function coldModels(p: BrowserProvider, plan: Pick<Plan, 'steps'>): string[] {
  return coldModelsOf(plan, isWarmIn(p));
}

