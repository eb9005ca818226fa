/**
 * The execution plan (what `graph.compile` returns and `executePlan` runs) and the run events
 * (docs/api.md, "Run events"). Everything here is plain JSON, so a plan compiled on the server
 * can be run in the browser and its events reported through the same interface.
 */
import type { Nfe } from '../samplers/types';
import type { GraphIssues } from '../graph/validate';

export type { GraphIssues };

export type RunsOn = 'server' | 'browser';

export interface PortRefJson {
  node: string;
  port: string;
}

/** One node of the graph, ready to run. */
export interface PlanStep {
  node: string;
  type: string;
  runsOn: RunsOn;
  /** Content key of this node's outputs: hash of type, params and the keys of its inputs. */
  key: string;
  /** Params with the node type's defaults applied (after migration). */
  params: Record<string, unknown>;
  /** Input port -> the output feeding it (bypassed and unconnected optional inputs are absent). */
  inputs: Record<string, PortRefJson>;
  /** Output port names, in the node type's order. */
  outputs: string[];
  /** What this step costs (its share of `Plan.estimate`, model weights aside). */
  estimate: { seconds: number; memoryMB: number };
  /** Samplers: the resolved lib/samplers configuration and its cost. */
  sampler?: {
    /** The sampler's registry id (lib/samplers/index.ts). */
    method: string;
    params: Record<string, unknown>;
    seed: number;
    steps: number;
    nfe: Nfe;
    height: number;
    width: number;
    /** The prior it runs ('default' | 'gaussian' | 'sha256:<hex>'), null for none. */
    model: string | null;
    /** FLOPs of one plain forward of that prior at this size (0 when unknown). */
    flops: number;
    /** How its guidance calls run (lib/samplers `cost`): priced differently. */
    guidance: 'fused' | 'pullback';
    /** The operator's task, when the compiler knows it (the operator's share of each call). */
    task?: string;
    /** Proximal data steps in the whole run (DiffPIR). */
    proxSteps?: number;
    /** Pseudo-inverses A^+ in the whole run (DDNM+). */
    pinvSteps?: number;
    /** Operator round trips A, A^T outside the network calls in the whole run (DAPS's Langevin steps). */
    applySteps?: number;
    /** Image-sized normal draws beyond one per step in the whole run (DAPS's Langevin noise). */
    noiseDraws?: number;
    /** Seconds per plain forward of the prior at this size on the backend it was compiled for. */
    secondsPerForward: number;
  };
}

export interface Plan {
  /** Content hash of the graph (lib/graph/hash.ts): equal for graphs that differ only in ui. */
  hash: string;
  steps: PlanStep[];
  /** Network evaluations of all samplers together. */
  nfe: Nfe;
  estimate: { seconds: number; memoryMB: number };
  /** The sampler whose result is the run's result (the last one in order), if any. */
  primary: string | null;
  /** The prior models the samplers run ('default' | 'gaussian' | 'sha256:<hex>'). */
  models: string[];
}

export type CompileResult = { ok: true; plan: Plan } | { ok: false; issues: GraphIssues };

// ------------------------------------------------------------------------------ events

/** Summary statistics in JSON form (null where a value is not finite, e.g. min of all-NaN). */
export interface StatsJson {
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
  nanCount: number;
  infCount: number;
}

/**
 * How a stored tensor is drawn: images in [-1, 1], signed maps (gradients, residuals), plain maps
 * (masks, kernels), heat maps from 0 to their maximum (the uncertainty map), 1-D series.
 */
export type TensorKind = 'image' | 'signed' | 'map' | 'heat' | 'series';

/** An output that became available for `tensor.get` (step: a sampler timeline snapshot). */
export interface ProbeInfo {
  node: string;
  port: string;
  step?: number;
  /** [] for values that are not tensors (a prior, a parameter bundle, metrics). */
  shape: number[];
  dtype: 'float32' | null;
  stats: StatsJson | null;
  kind: TensorKind | null;
  /** A short description of non-tensor values (e.g. the metrics, the prior's name). */
  summary?: string;
}

/** One sampler step's diagnostics (spgd-algorithm.md section 8); NaN is sent as null. */
export interface TraceJson {
  step: number;
  sigma: number | null;
  t: number | null;
  stepSize: number | null;
  residualNorm: number | null;
  gradNorm: number | null;
  admWeights: (number | null)[];
  conflict: number | null;
  fluctuationRaw: number | null;
  fluctuationAdm: number | null;
  priorStability: number | null;
  psnr?: number | null;
  ssim?: number | null;
  nfe: Nfe;
}

export interface RunMetrics {
  psnr?: number;
  ssim?: number;
  /** ||A x - y|| of the result (null when the graph has no sampler). */
  residual: number | null;
  /** sqrt(m) sigma_y: the residual a perfect restoration leaves (the noise of y's m values). */
  noiseFloor?: number;
}

export type RunEventPayload =
  | { type: 'queued'; position: number }
  /** The worker running it stopped (killed, lost): the run is queued again for attempt `attempt`. */
  | { type: 'retry'; attempt: number; maxAttempts: number; reason: string }
  /** `backend`: what runs it, when it is not the server itself (e.g. "gpu-1 · cuda"). */
  | { type: 'started'; nfe: Nfe; estimate: Plan['estimate']; backend?: string }
  | { type: 'progress'; node: string; step: number; steps: number; nfe: Nfe; elapsedMs: number }
  | { type: 'preview'; node: string; step: number; png: string }
  | ({ type: 'probe' } & ProbeInfo)
  | { type: 'trace'; node: string; step: number; trace: TraceJson }
  | { type: 'error'; node?: string; code: string; message: string }
  | { type: 'cancelled' }
  | {
      type: 'finished';
      metrics: RunMetrics;
      seconds: number;
      nfe: Nfe;
      /** Per sampler node, when the graph has more than one. */
      samplers?: Record<string, RunMetrics>;
      /** Set by the server: URL of the result PNG. */
      result?: string;
      /** Seconds of each node that ran, and the nodes served from the output cache. */
      timings?: RunTimingsJson;
    };

export interface RunTimingsJson {
  nodes: Record<string, number>;
  cached: string[];
}

