'use client';
/**
 * The browser backend on the main thread: starts the runner worker, forwards its run events to
 * the store (the same reducer as server runs), keeps the tensors it publishes (so the inspector,
 * step timeline and result panel are served locally instead of by `tensor.get`), and cancels.
 * A worker that dies or stops answering ends the run with an error: never a silent hang.
 */
import type { BackendInfo, BrowserBackend, FromWorker, ModelSource, RunRequest } from '../../lib/browser/protocol';
import { backendLabel, BROWSER_RESOURCE } from '../../lib/browser/protocol';
import { pngDataUrl, renderTensor, tensorSnapshot } from '../../lib/plan/render';
import type { Plan, TensorKind } from '../../lib/plan/types';
import type { Tensor } from '../../lib/tensor';
import { isActive, probeKey } from './runTypes';
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
  if (!current || m.runId !== current.runId) return;
  current.lastMessage = Date.now();
  const s = useEditor.getState();
  switch (m.type) {
    case 'backend':
      s.setRunBackend(backendLabel(m.info), m.info.note);
      lastBackend = m.info;
      break;
    case 'download':
      s.setRunDownload(m.cached ? null : { model: m.model, loaded: m.loaded, total: m.total });
      break;
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
  const s = useEditor.getState();
  s.runStarted(runId, 0);
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
