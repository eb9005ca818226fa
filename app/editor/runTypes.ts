/**
 * Run state in the editor, folded from the run events of lib/plan/types.ts (docs/api.md, "Run
 * events"). The reducer is pure, so the store stays a thin list of named actions.
 */
import type { CompileResult, Plan, ProbeInfo, RunEventPayload, RunMetrics, StatsJson, TraceJson } from '../../lib/plan/types';
import type { Nfe } from '../../lib/samplers/types';

export type { CompileResult, Plan, ProbeInfo, RunMetrics, StatsJson, TraceJson };
export type NfeCount = number | Nfe;
/** A run event as the subscription yields it: the payload plus its envelope. */
export type RunEvent = RunEventPayload & { id?: string; runId?: string; at?: number | string };

export type RunStatus = 'idle' | 'starting' | 'queued' | 'running' | 'finished' | 'error' | 'cancelled';

export interface RunState {
  runId: string | null;
  status: RunStatus;
  /** Position in the server queue (0 = running now). */
  position?: number;
  backend?: string;
  progress?: { node: string; step: number; steps: number; nfe?: NfeCount; elapsedMs: number };
  /** The first progress event of the current sampler: steps after it give the measured pace (the first step opens sessions). */
  paceFrom?: { node: string; step: number; elapsedMs: number };
  /** The plan's node ids (widgets show this run's pictures only on them) and its result node. */
  nodesInRun?: string[];
  primary?: string | null;
  /** Every node of the run (or its result node) was served from the output cache. */
  fromCache?: boolean;
  /** The nodes that were. */
  cachedNodes?: string[];
  /** Network evaluations and time the plan expects (from 'started'). */
  expected?: { nfe: NfeCount; seconds: number };
  /** Wall-clock ms when the run started (for ETA). */
  startedAt?: number;
  /** Per sampler node, per step. */
  traces: Record<string, TraceJson[]>;
  previews: Record<string, { step: number; png: string }>;
  /** 'node.port' (and 'node.port@step') -> what the server reported. */
  probes: Record<string, ProbeInfo>;
  error?: { node?: string; code: string; message: string };
  finished?: { metrics: Partial<RunMetrics>; seconds: number; nfe?: NfeCount; samplers?: Record<string, RunMetrics> };
  lastEventId?: string;
  /** The result image (a PNG with the graph embedded), once the run record has it. */
  resultUrl?: string;
  /** A note about the backend that ran (e.g. the WebGPU -> wasm fallback). */
  note?: string;
  /** Browser runs: the model download, then its gradient compile, in progress (null/absent when neither). */
  download?: { model: string; loaded: number; total: number | null; phase?: 'download' | 'compile' | 'calibrate' } | null;
}

/** Where runs go: the server queue, or this tab (ONNX Runtime Web in a worker). */
export type BackendChoice = 'server' | 'browser-auto' | 'browser-webgpu' | 'browser-wasm';
export const BACKEND_CHOICES: { value: BackendChoice; label: string }[] = [
  { value: 'server', label: 'Server' },
  { value: 'browser-auto', label: 'Browser (auto)' },
  { value: 'browser-webgpu', label: 'Browser WebGPU' },
  { value: 'browser-wasm', label: 'Browser wasm' },
];

export const IDLE_RUN: RunState = { runId: null, status: 'idle', traces: {}, previews: {}, probes: {} };

export function nfeTotal(n: NfeCount | undefined): number | undefined {
  if (n === undefined) return undefined;
  return typeof n === 'number' ? n : n.forward + n.vjp;
}

/** Folds one run event into the run state (immutably). Events of another run are ignored. */
export function reduceRunEvent(s: RunState, ev: RunEvent, now: number): RunState {
  if (ev.runId && s.runId && ev.runId !== s.runId) return s;
  const next: RunState = { ...s, lastEventId: ev.id ?? s.lastEventId };
  switch (ev.type) {
    case 'queued':
      return { ...next, status: 'queued', position: ev.position };
    case 'retry':
      // Its worker stopped: the run starts over on another one (run.get keeps only the last attempt too).
      return { ...next, status: 'queued', progress: undefined, traces: {}, previews: {}, note: `attempt ${ev.attempt} of ${ev.maxAttempts}: ${ev.reason}` };
    case 'started':
      return {
        ...next,
        status: s.status === 'queued' || s.status === 'starting' ? 'running' : s.status,
        position: 0,
        startedAt: s.startedAt ?? now,
        // A browser run keeps the estimate the tab priced it with.
        expected: s.expected ?? { nfe: ev.nfe, seconds: ev.estimate.seconds },
        // Set when a distributed worker runs it, e.g. "gpu-1 · cuda".
        backend: ev.backend ?? s.backend,
      };
    case 'progress':
      return {
        ...next,
        status: s.status === 'finished' || s.status === 'cancelled' || s.status === 'error' ? s.status : 'running',
        position: 0,
        startedAt: s.startedAt ?? now - ev.elapsedMs,
        progress: { node: ev.node, step: ev.step, steps: ev.steps, nfe: ev.nfe, elapsedMs: ev.elapsedMs },
        paceFrom: s.paceFrom?.node === ev.node ? s.paceFrom : { node: ev.node, step: ev.step, elapsedMs: ev.elapsedMs },
        // The model is loaded once steps run.
        download: null,
      };
    case 'preview':
      return { ...next, previews: { ...s.previews, [ev.node]: { step: ev.step, png: ev.png } } };
    case 'probe': {
      const { type: _t, id: _i, runId: _r, at: _a, ...probe } = ev;
      return { ...next, probes: { ...s.probes, [probeKey(probe.node, probe.port, probe.step)]: probe } };
    }
    case 'trace': {
      const list = s.traces[ev.node] ?? [];
      const t = ev.trace;
      const merged = list.length && list[list.length - 1].step < t.step ? [...list, t] : [...list.filter((x) => x.step !== t.step), t].sort((a, b) => a.step - b.step);
      return { ...next, traces: { ...s.traces, [ev.node]: merged } };
    }
    case 'error':
      return { ...next, status: 'error', error: { node: ev.node, code: ev.code, message: ev.message } };
    case 'cancelled':
      return { ...next, status: 'cancelled' };
    case 'finished': {
      const cached = new Set(ev.timings?.cached ?? []);
      const fromCache = ev.timings ? (s.primary ? cached.has(s.primary) : Object.keys(ev.timings.nodes).length === 0 && cached.size > 0) : s.fromCache;
      return {
        ...next,
        // A run served from the cache reports no progress: show its traced steps as done.
        progress: s.progress ?? lastTraced(s.traces, ev.seconds),
        status: 'finished',
        finished: { metrics: ev.metrics, seconds: ev.seconds, nfe: ev.nfe, samplers: ev.samplers },
        resultUrl: ev.result ?? s.resultUrl,
        fromCache,
        cachedNodes: ev.timings?.cached ?? s.cachedNodes,
        download: null,
      };
    }
    default:
      return next;
  }
}

/** What ran a stored run, for the run bar: its worker ("gpu-1 · cuda") or the backend ("server"). */
export function runBackendLabel(rec: { backend: string; worker: { name: string; backend: string } | null }): string {
  return rec.worker && rec.worker.name !== 'server' ? `${rec.worker.name} · ${rec.worker.backend}` : rec.backend;
}

function lastTraced(traces: RunState['traces'], seconds: number): RunState['progress'] {
  const node = Object.keys(traces).pop();
  const n = node ? traces[node].length : 0;
  return node && n ? { node, step: n, steps: n, elapsedMs: seconds * 1000 } : undefined;
}

export function probeKey(node: string, port: string, step?: number): string {
  return step === undefined ? `${node}.${port}` : `${node}.${port}@${step}`;
}

export function isActive(status: RunStatus): boolean {
  return status === 'starting' || status === 'queued' || status === 'running';
}

/** Steps past the first progress event after which the ETA follows the measured pace instead of the estimate. */
export const PACE_STEPS = 3;

/**
 * Seconds left: the plan's estimate less the time gone until the sampler has run a few steps,
 * then the measured pace of its steps since its first progress event (that first step also
 * opened sessions, so it is left out). Undefined when nothing is known.
 */
export function etaSeconds(s: Pick<RunState, 'progress' | 'paceFrom' | 'expected' | 'startedAt'>, now: number): number | undefined {
  const p = s.progress;
  const from = s.paceFrom;
  if (p && from && from.node === p.node && p.step - from.step >= PACE_STEPS && p.step < p.steps) {
    const perStep = (p.elapsedMs - from.elapsedMs) / (p.step - from.step);
    return (perStep * (p.steps - p.step)) / 1000;
  }
  if (p && p.step >= p.steps) return undefined;
  if (s.expected && s.startedAt !== undefined) return Math.max(0, s.expected.seconds - (now - s.startedAt) / 1000);
  return undefined;
}

/** Whether the ETA comes from the measured pace (else from the estimate). */
export function etaMeasured(s: Pick<RunState, 'progress' | 'paceFrom'>): boolean {
  const p = s.progress;
  return !!p && !!s.paceFrom && s.paceFrom.node === p.node && p.step - s.paceFrom.step >= PACE_STEPS;
}
