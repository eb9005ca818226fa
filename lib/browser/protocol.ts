/**
 * Messages between the editor (main thread) and the browser runner worker
 * (app/editor/browser-runner.worker.ts). Plain structured-clone data: the plan is the one
 * `graph.compile` returned, the events are the run events of docs/api.md (lib/plan/types.ts).
 */
import type { ThroughputData } from '../plan/throughput';
import type { Plan, RunEventPayload, TensorKind } from '../plan/types';

/** Which browser execution provider to use: 'auto' = WebGPU when an adapter exists, else wasm. */
export type BrowserBackend = 'auto' | 'webgpu' | 'wasm';

export interface ModelSource {
  /** Where the ONNX bytes are served from (same origin). */
  url: string;
  /** Content hash when known: part of the Cache Storage key, so a changed file is fetched again. */
  sha256?: string | null;
  /** Size of the file, when known (the estimate prices its download). */
  bytes?: number;
}

/** The Cache Storage key of a model's bytes (the runner stores them under it; the editor looks for them). */
export function modelCacheKey(url: string, sha256?: string | null): string {
  return sha256 ? `${url}${url.includes('?') ? '&' : '?'}sha256=${sha256}` : url;
}

export interface RunRequest {
  type: 'run';
  runId: string;
  plan: Plan;
  backend: BrowserBackend;
  /** Image source ('sample:<name>' | 'sha256:<hex>') -> URL. Unlisted sources use the defaults of `imageUrl`. */
  images?: Record<string, string>;
  /** Prior model id ('default' | 'sha256:<hex>') -> where its bytes are. */
  models?: Record<string, ModelSource>;
  /** Models larger than this are refused (default 1 GiB): the tab would run out of memory. */
  maxModelBytes?: number;
}

export interface CancelRequest {
  type: 'cancel';
  runId: string;
}

/** Measure this browser's speed for the estimate (nodes/calibrate.ts in the worker). */
export interface CalibrateRequest {
  type: 'calibrate';
  /** Reported like a run id (download progress messages carry it). */
  runId: string;
  backend: BrowserBackend;
  model: string;
  models?: Record<string, ModelSource>;
  images?: Record<string, string>;
  sizes: number[];
}

export type ToWorker = RunRequest | CancelRequest | CalibrateRequest;

/** What actually ran: e.g. { provider: 'wasm', threads: 2 } and a note when it fell back. */
export interface BackendInfo {
  provider: 'webgpu' | 'wasm' | 'js';
  threads: number;
  crossOriginIsolated: boolean;
  note?: string;
}

export interface TensorMessage {
  node: string;
  port: string;
  step?: number;
  kind: TensorKind;
  shape: number[];
  data: Float32Array;
}

export type FromWorker =
  | { type: 'event'; runId: string; event: RunEventPayload }
  | { type: 'backend'; runId: string; info: BackendInfo }
  | { type: 'download'; runId: string; model: string; loaded: number; total: number | null; cached: boolean }
  | { type: 'tensor'; runId: string; tensor: TensorMessage }
  /** A calibration's result: the backend's throughput table (lib/plan/throughput.ts), or why it failed. */
  | { type: 'calibrated'; runId: string; provider: BackendInfo['provider']; throughput: ThroughputData | null; error?: string; seconds: number }
  | { type: 'done'; runId: string };

/** Human-readable backend label for the run bar, e.g. "browser · wasm ×2 threads". */
export function backendLabel(info: BackendInfo): string {
  if (info.provider === 'webgpu') return 'browser · webgpu';
  if (info.provider === 'js') return 'browser · js (no network)';
  return `browser · wasm ×${info.threads} thread${info.threads === 1 ? '' : 's'}`;
}

/** Errors that mean "this browser cannot run it": offer the server instead. */
export const BROWSER_RESOURCE = 'BROWSER_RESOURCE';

const RESOURCE_PATTERN = /out of memory|\boom\b|device (was |is )?lost|devicelost|gpu ?device|allocation failed|failed to allocate|array buffer allocation|too large|memory access out of bounds|maximum call stack|Aborted\(/i;

/** Whether an error message looks like the browser running out of memory or losing its GPU. */
export function isResourceError(message: string): boolean {
  return RESOURCE_PATTERN.test(message);
}
