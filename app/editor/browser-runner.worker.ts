/// <reference lib="webworker" />
/**
 * The browser backend's Web Worker: runs compiled plans with ONNX Runtime Web off the main
 * thread (lib/browser/runner.ts does the work; this file wires it to postMessage).
 *
 * onnxruntime-web's .wasm/.mjs are served as static files from /ort/ (copied from
 * node_modules/onnxruntime-web/dist by scripts/copy-ort-wasm.mjs before dev and build), so the
 * bundler never has to understand ORT's own dynamic imports and pthread workers.
 * wasm threads = navigator.hardwareConcurrency where the page is cross-origin isolated (the
 * app sends COOP/COEP), else 1; set before the first session.
 */
import { configureOrtWeb, OrtWebEpsModel } from '../../lib/backends/ort-web';
import type { ToWorker } from '../../lib/browser/protocol';
import { BrowserRunner, MODEL_CACHE } from '../../lib/browser/runner';
import { priorReport } from '../../lib/plan/prior-report';
import { calibrate } from '../../nodes/calibrate';
import { NODE_KIT } from '../../nodes/runs';

declare const self: DedicatedWorkerGlobalScope;

const isolated = self.crossOriginIsolated;
const threads = isolated ? Math.max(1, self.navigator.hardwareConcurrency || 1) : 1;
let configured = false;

const runner = new BrowserRunner({
  post: (m, transfer) => self.postMessage(m, transfer ?? []),
  kit: NODE_KIT,
  base: self.location.origin,
  threads: () => threads,
  hasWebGpu: async () => {
    const gpu = (self.navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu) return false;
    return !!(await gpu.requestAdapter());
  },
  openModel: (bytes, opts) => {
    if (!configured) {
      configureOrtWeb({ numThreads: threads, wasmPaths: new URL('/ort/', self.location.origin).href });
      configured = true;
    }
    return OrtWebEpsModel.create(bytes, opts);
  },
  openCache: async () => (typeof caches === 'undefined' ? null : caches.open(MODEL_CACHE)),
  calibrate,
  flops: (bytes, size) => priorReport(bytes, size).flops,
});

/** Runs and calibrations one at a time (they would share the wasm threads and skew each other). */
let busy: Promise<void> = Promise.resolve();

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.type === 'cancel') runner.cancel(m.runId);
  else busy = busy.then(() => (m.type === 'run' ? runner.run(m) : runner.calibrate(m)));
};
