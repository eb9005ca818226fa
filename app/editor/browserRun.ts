'use client';
/**
 * The browser backend on the main thread: starts the runner worker, forwards its run events to
 * the store (the same reducer as server runs), keeps the tensors it publishes (so the inspector,
 * step timeline and result panel are served locally instead of by `tensor.get`), and cancels.
 * A worker that dies or stops answering ends the run with an error: never a silent hang.
 *
 * It also measures this browser's speed (a calibration in the worker, once), teaches the
 * estimate from every finished run (./browserSpeed.ts), and hands each ended run to the
 * recorder that stores it in the server's history (`run.record`, set by the editor).
 */
import type { BackendInfo, BrowserBackend, CalibrateRequest, FromWorker, ModelSource, RunRequest } from '../../lib/browser/protocol';
import { backendLabel, BROWSER_RESOURCE } from '../../lib/browser/protocol';
import type { GraphDocument } from '../../lib/graph/document';
import { readThroughput } from '../../lib/plan/throughput';
import { pngDataUrl, renderTensor, tensorSnapshot } from '../../lib/plan/render';
import type { Plan, TensorKind } from '../../lib/plan/types';
import type { Tensor } from '../../lib/tensor';
import {
  BROWSER_CALIBRATION_SIZES,
  browserEstimate,
  checkModelCache,
  closedModels,
  coldModels,
  expectedProvider,
  forgetWarm,
  learnBrowserRun,
  loadBrowserThroughput,
  markCalibrated,
  markWarm,
  rememberProvider,
  saveBrowserThroughput,
  type BrowserProvider,
} from './browserSpeed';
import { isActive, probeKey, type RunState } from './runTypes';
import { useEditor } from './store';

export const BROWSER_RUN_PREFIX = 'browser-';
export const isBrowserRun = (runId: string | null | undefined): boolean => !!runId && runId.startsWith(BROWSER_RUN_PREFIX);

/** Without any message for this long, the run is declared stuck (a forward pass reports progress far more often). */
const STALL_MS = 300_000;
const KEEP_RUNS = 6;

interface Stored {
  tensor: Tensor;
  kind: TensorKind;
}
const runs = new Map<string, Map<string, Stored>>();
let worker: Worker | null = null;
let current: { runId: string; lastMessage: number; timer: ReturnType<typeof setInterval>; cancelTimer?: ReturnType<typeof setTimeout> } | null = null;
let seq = 0;

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./browser-runner.worker.ts', import.meta.url), { type: 'module' });
  w.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
  w.onerror = (e) => {
    e.preventDefault();
    failCurrent(`the browser runner crashed: ${e.message || 'unknown error'}`, BROWSER_RESOURCE);
  };
  w.onmessageerror = () => failCurrent('the browser runner sent an unreadable message');
  worker = w;
  return w;
}

function dropWorker(): void {
  worker?.terminate();
  worker = null;
  forgetWarm();
}

/** What a browser run needs after it ends: to learn from it and to record it. */
interface RunInfo {
  plan: Plan;
  document: GraphDocument;
  presetId: string | null;
  models: Record<string, ModelSource>;
  startedAt: number;
  provider: BrowserProvider;
  cold: string[];
  /** Of those, the models the worker had not opened at all. */
  opened: string[];
  /** The model download this run made: when it began, and the last bytes seen. */
  download: { at: number; loaded: number; lastAt: number } | null;
}
const info = new Map<string, RunInfo>();

/** An ended browser run as the history stores it. */
export interface EndedBrowserRun {
  runId: string;
  document: GraphDocument;
  presetId: string | null;
  startedAt: number;
  state: RunState;
  plan: Plan;
}
let recorder: ((r: EndedBrowserRun) => void) | null = null;

/** Who stores ended browser runs in the server's history (the editor sets it; null: nobody). */
export function setBrowserRunRecorder(fn: ((r: EndedBrowserRun) => void) | null): void {
  recorder = fn;
}

/** The model the tab's calibration measures (the shipped prior). */
const CALIBRATED_MODEL = 'default';

let calibration: { runId: string; resolve: (ok: boolean) => void; models: Record<string, ModelSource> } | null = null;

/**
 * Measures this browser's speed once per provider (a few seconds; the model is downloaded and
 * kept in Cache Storage as a run would). Resolves false when it could not.
 */
export function calibrateBrowser(backend: BrowserBackend, models: Record<string, ModelSource>, images: Record<string, string>): Promise<boolean> {
  if (calibration) return Promise.resolve(false);
  const runId = `calibrate-${Date.now().toString(36)}`;
  return new Promise<boolean>((resolve) => {
    calibration = { runId, resolve, models };
    const req: CalibrateRequest = { type: 'calibrate', runId, backend, model: CALIBRATED_MODEL, models, images, sizes: BROWSER_CALIBRATION_SIZES };
    try {
      getWorker().postMessage(req);
    } catch {
      calibration = null;
      resolve(false);
    }
  });
}

function onCalibrationMessage(m: FromWorker): void {
  const c = calibration;
  if (!c) return;
  const s = useEditor.getState();
  if (m.type === 'download') s.setRunDownload(m.cached ? { model: m.model, loaded: 0, total: null, phase: 'calibrate' } : { model: m.model, loaded: m.loaded, total: m.total, phase: 'calibrate' });
  else if (m.type === 'calibrated') {
    const t = m.throughput && m.provider !== 'js' ? readThroughput(m.throughput, `browser-${m.provider}`) : null;
    if (t && m.provider !== 'js') {
      saveBrowserThroughput(m.provider, t);
      rememberProvider(m.provider);
      markCalibrated(m.provider, CALIBRATED_MODEL, BROWSER_CALIBRATION_SIZES, c.models);
    }
    if (!t) s.toast('info', `Could not measure this browser's speed (${m.error ?? 'no result'}): the estimate uses nominal speeds.`);
    calibration = null;
    s.setRunDownload(null);
    c.resolve(!!t);
  }
}

function endCurrent(): void {
  if (!current) return;
  clearInterval(current.timer);
  if (current.cancelTimer) clearTimeout(current.cancelTimer);
  current = null;
}

function failCurrent(message: string, code = 'BROWSER_FAILED'): void {
  if (!current) return;
  const runId = current.runId;
  endCurrent();
  dropWorker();
  const s = useEditor.getState();
  const node = s.run.progress?.node;
  s.applyRunEvent({ type: 'error', runId, code, message, ...(node ? { node } : {}) });
}

function onMessage(m: FromWorker): void {
  if (calibration && m.runId === calibration.runId) {
    onCalibrationMessage(m);
    return;
  }
  if (!current || m.runId !== current.runId) return;
  current.lastMessage = Date.now();
  const s = useEditor.getState();
  const run = info.get(m.runId);
  switch (m.type) {
    case 'backend':
      s.setRunBackend(backendLabel(m.info), m.info.note);
      lastBackend = m.info;
      rememberProvider(m.info.provider);
      if (run && m.info.provider !== 'js') run.provider = m.info.provider;
      break;
    case 'download': {
      const now = Date.now();
      if (run && !m.cached) run.download = { at: run.download?.at ?? now, loaded: m.loaded, lastAt: now };
      // Once the bytes are here the worker opens the model and compiles its gradient: say so until steps run.
      const done = m.cached || (m.total !== null && m.loaded >= m.total);
      s.setRunDownload(done ? { model: m.model, loaded: m.loaded, total: m.total, phase: 'compile' } : { model: m.model, loaded: m.loaded, total: m.total, phase: 'download' });
      break;
    }
    case 'tensor': {
      const t = m.tensor;
      runs.get(m.runId)?.set(probeKey(t.node, t.port, t.step), { tensor: { shape: t.shape, data: t.data }, kind: t.kind });
      break;
    }
    case 'event': {
      const ev = m.event;
      if (ev.type === 'finished') {
        // The result picture for the panel and for Save image (a data URL: no server file).
        const primary = lastPlan?.primary;
        const img = primary ? runs.get(m.runId)?.get(probeKey(primary, 'image')) : undefined;
        const r = img ? renderTensor(img.tensor, 'image') : null;
        s.setRunDownload(null);
        s.applyRunEvent({ ...ev, runId: m.runId, ...(r?.png ? { result: pngDataUrl(r.png) } : {}) });
        if (run && ev.timings) {
          const d = run.download;
          learnBrowserRun(run.provider, run.plan, { nodeSeconds: ev.timings.nodes, cached: ev.timings.cached, coldModels: run.cold, openedModels: run.opened }, d && d.lastAt > d.at ? { bytes: d.loaded, seconds: (d.lastAt - d.at) / 1000 } : null);
          markWarm(run.provider, run.plan, run.models);
        }
      } else {
        s.applyRunEvent({ ...ev, runId: m.runId });
      }
      break;
    }
    case 'done': {
      endCurrent();
      const st = useEditor.getState();
      // The worker ended without a terminal event (should not happen): say so.
      if (isActive(st.run.status) && st.run.runId === m.runId) st.applyRunEvent({ type: 'error', runId: m.runId, code: 'BROWSER_FAILED', message: 'the browser run ended without a result' });
      if (st.run.error?.code === BROWSER_RESOURCE) dropWorker();
      if (run) {
        info.delete(m.runId);
        const ended = useEditor.getState().run;
        if (ended.runId === m.runId) recorder?.({ runId: m.runId, document: run.document, presetId: run.presetId, startedAt: run.startedAt, state: ended, plan: run.plan });
      }
      break;
    }
  }
}

let lastPlan: Plan | null = null;
let lastBackend: BackendInfo | null = null;

export interface BrowserRunOptions {
  plan: Plan;
  backend: BrowserBackend;
  images?: Record<string, string>;
  models?: Record<string, ModelSource>;
  /** The graph it runs, and the preset it came from (for the history). */
  document: GraphDocument;
  presetId?: string | null;
}

/**
 * The plan priced for this tab (its estimate replaced): calibrates this browser first when it
 * was never measured, and looks up whether its models are in Cache Storage.
 */
export async function priceBrowserPlan(plan: Plan, backend: BrowserBackend, models: Record<string, ModelSource>, images: Record<string, string>): Promise<Plan> {
  if (!loadBrowserThroughput(expectedProvider(backend))) await calibrateBrowser(backend, models, images);
  await checkModelCache(plan, models);
  const e = browserEstimate(plan, backend, models);
  return e ? { ...plan, estimate: { ...plan.estimate, seconds: e.seconds } } : plan;
}

/** Starts a browser run of a compiled plan; returns its run id. */
export function startBrowserRun(o: BrowserRunOptions): string {
  const runId = `${BROWSER_RUN_PREFIX}${Date.now().toString(36)}-${++seq}`;
  runs.set(runId, new Map());
  // Forget the oldest runs (a Map iterates in insertion order).
  for (const old of runs.keys()) {
    if (runs.size <= KEEP_RUNS) break;
    runs.delete(old);
  }
  lastPlan = o.plan;
  endCurrent();
  const timer = setInterval(() => {
    if (current && Date.now() - current.lastMessage > STALL_MS) failCurrent(`the browser backend stopped responding for ${STALL_MS / 1000} s; run it on the server instead`, BROWSER_RESOURCE);
  }, 5000);
  current = { runId, lastMessage: Date.now(), timer };
  const provider = expectedProvider(o.backend);
  info.set(runId, { plan: o.plan, document: o.document, presetId: o.presetId ?? null, models: o.models ?? {}, startedAt: Date.now(), provider, cold: coldModels(provider, o.plan), opened: closedModels(provider, o.plan), download: null });
  const s = useEditor.getState();
  s.runStarted(runId, 0, o.plan);
  s.setRunBackend(`browser · ${o.backend}`);
  try {
    const req: RunRequest = { type: 'run', runId, plan: o.plan, backend: o.backend, images: o.images, models: o.models };
    getWorker().postMessage(req);
  } catch (e) {
    failCurrent(`could not start the browser runner: ${e instanceof Error ? e.message : String(e)}`);
  }
  return runId;
}

/** Cancels the browser run; a worker that does not stop within 5 s is terminated. */
export function cancelBrowserRun(runId: string): void {
  if (!current || current.runId !== runId || !worker) return;
  worker.postMessage({ type: 'cancel', runId });
  current.cancelTimer = setTimeout(() => {
    if (current?.runId !== runId) return;
    endCurrent();
    dropWorker();
    useEditor.getState().applyRunEvent({ type: 'cancelled', runId });
  }, 5000);
}

/** The backend info of the last browser run (tests and the benchmark read it). */
export function lastBrowserBackend(): BackendInfo | null {
  return lastBackend;
}

/** A published tensor of a browser run, as `tensor.get` would return it. */
export function browserTensor(q: { runId: string; node: string; port: string; step?: number; channel?: number }) {
  const rec = runs.get(q.runId)?.get(probeKey(q.node, q.port, q.step));
  if (!rec) {
    const have = [...(runs.get(q.runId)?.keys() ?? [])].filter((k) => k.startsWith(`${q.node}.`));
    throw new Error(
      runs.has(q.runId)
        ? `run ${q.runId} has no tensor ${q.node}.${q.port}${q.step === undefined ? '' : ` at step ${q.step}`}${have.length ? ` (it has: ${have.join(', ')})` : ''}`
        : `browser run ${q.runId} is no longer kept in this tab`,
    );
  }
  return tensorSnapshot(rec.tensor, rec.kind, q.channel);
}

/** Raw data of a browser run's tensor (for tests and the benchmark: window.__spgdBrowser). */
export function browserTensorData(runId: string, node: string, port: string, step?: number): { shape: number[]; data: number[] } | null {
  const rec = runs.get(runId)?.get(probeKey(node, port, step));
  return rec ? { shape: [...rec.tensor.shape], data: Array.from(rec.tensor.data) } : null;
}

if (typeof window !== 'undefined') {
  (window as unknown as { __spgdBrowser?: unknown }).__spgdBrowser = { tensor: browserTensorData, backend: lastBrowserBackend, state: () => useEditor.getState().run };
}
