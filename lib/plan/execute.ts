/**
 * Runs a compiled plan, framework-free (Node or browser): node by node in plan order, with
 * I/O behind adapters (image bytes, prior networks, saving), outputs cached by content key,
 * every output port published to a tensor store, and the run events of docs/api.md.
 *
 * Wire semantics (what each node type computes):
 *   Load image   -> Image: the source's tensor [3, H, W] in [-1, 1], fitted to size x size when size > 0
 *   Degrade      -> Operator: a validated spec {task, options, seed}; built at the measurement
 *   Simulate     -> Measurement: A from Rng(operator seed, 'operator') at the image's shape,
 *                   y = A x + sigma_y n with n from Rng(seed, 'measurement'), ground truth = x
 *   Prior        -> Prior: the adapter's EpsModel wrapped as the VP denoiser
 *   Schedule / Warm-up / ADM -> their parameter bundles
 *   Samplers     -> Image (the sample) and Trace (per-step diagnostics, snapshots, final metrics);
 *                   Rng(seed, 'sampler'); the measurement's own operator is used when the
 *                   sampler's Operator wire is the one that made the measurement
 *   Metrics      -> PSNR / SSIM against the ground truth, ||A x - y||
 *   Save image   -> the adapter writes it (never cached: it is a side effect)
 * Seeds map to the same streams as lib/pipeline/restore.ts, so a graph and the CLI with the
 * same seeds draw the same mask, noise and sampler noise.
 *
 * Cache: a node whose key is in `cache` is not recomputed (a changed downstream parameter
 * recomputes only that node and what follows it). A cached sampler replays its trace,
 * snapshots and previews, so a client sees the same events.
 *
 * @example
 * const result = await executePlan(plan, { loadImage, loadPrior }, { signal, onEvent, cache: new Map() });
 */
import { karrasSigmas } from '../diffusion/karras';
import type { Denoiser, EpsModel } from '../diffusion/types';
import { vpDenoiser } from '../diffusion/vp';
import { CancelledError, SpgdError, throwIfCancelled } from '../errors';
import { fitToSquare, encodePng, tensorToImage } from '../image';
import { psnr, ssim } from '../metrics';
import { createOperator, parseOperatorParams, simulateMeasurement } from '../operators';
import type { LinearOperator, TaskName } from '../operators/types';
import { inputShapeFor } from '../pipeline/restore';
import { Rng } from '../rng';
import { runSampler } from '../samplers/run';
import type { Nfe, StepSnapshot, StepTrace } from '../samplers/types';
import { norm, sub, type Tensor } from '../tensor';
import { pngDataUrl, statsJson } from './render';
import type { Plan, PlanStep, ProbeInfo, RunEventPayload, RunMetrics, TensorKind, TraceJson } from './types';
import { NODE_TYPE, buildSampler, isSamplerType, type MomentumBundle, type ScheduleBundle, type WarmupBundle } from './wiring';

// ------------------------------------------------------------------------------ values

export interface ImageValue {
  kind: 'Image';
  tensor: Tensor;
}
export interface OperatorValue {
  kind: 'Operator';
  task: TaskName;
  options: Record<string, unknown>;
  seed: number;
  /** Content key of the Degrade node: equal keys build the same operator. */
  key: string;
}
export interface MeasurementValue {
  kind: 'Measurement';
  y: Tensor;
  groundTruth?: Tensor;
  operator: LinearOperator;
  operatorKey: string;
  sigmaY: number;
}
export interface PriorValue {
  kind: 'Prior';
  model: string;
  eps: EpsModel;
  denoiser: Denoiser;
}
export interface BundleValue<K extends 'Schedule' | 'Warmup' | 'Momentum', B> {
  kind: K;
  bundle: B;
}
export interface TraceValue {
  kind: 'Trace';
  trace: StepTrace[];
  snapshots: StepSnapshot[];
  nfe: Nfe;
  seconds: number;
  /** Quality of the final sample (PSNR/SSIM when the measurement carries a ground truth). */
  metrics: RunMetrics;
}
export interface MetricsValue {
  kind: 'Metrics';
  metrics: RunMetrics;
}
export type PortValue =
  | ImageValue
  | OperatorValue
  | MeasurementValue
  | PriorValue
  | BundleValue<'Schedule', ScheduleBundle>
  | BundleValue<'Warmup', WarmupBundle>
  | BundleValue<'Momentum', MomentumBundle>
  | TraceValue
  | MetricsValue;

/** Output port name -> value. */
export type NodeOutputs = Record<string, PortValue>;

// ------------------------------------------------------------------------------ interfaces

export interface ExecuteAdapters {
  /** 'sample:<name>' | 'sha256:<hex>' -> [3, H, W] in [-1, 1]. */
  loadImage(source: string): Promise<Tensor>;
  /** 'default' | 'gaussian' | 'sha256:<hex>' -> an epsilon network. */
  loadPrior(model: string): Promise<EpsModel>;
  /** Save image nodes: write the image (the adapter embeds the graph). */
  saveImage?(args: { node: string; filename: string; image: Tensor }): Promise<void>;
}

/** Map-like cache of node outputs by content key (a Map, or an LRU with get/set). */
export interface OutputCache {
  get(key: string): NodeOutputs | undefined;
  set(key: string, value: NodeOutputs): unknown;
}

export interface StoredTensor {
  node: string;
  port: string;
  step?: number;
  kind: TensorKind;
  tensor: Tensor;
}

/** Where published tensors go, for `tensor.get` (the server writes .npy files). */
export interface TensorStore {
  put(rec: StoredTensor): void | Promise<void>;
}

export interface ExecuteOptions {
  signal?: AbortSignal;
  onEvent?: (event: RunEventPayload) => void;
  cache?: OutputCache;
  store?: TensorStore;
  /** Snapshot (and preview) steps per sampler, spread evenly (default 10, plus the last step). */
  captures?: number;
  /** Minimum time between progress events (default 200 ms: at most ~5 per second). */
  progressIntervalMs?: number;
  now?: () => number;
}

export interface ExecuteResult {
  outputs: Map<string, NodeOutputs>;
  /** Node ids computed in this run, and those taken from the cache. */
  ran: string[];
  cached: string[];
  primary: string | null;
  metrics: RunMetrics;
  samplers: Record<string, RunMetrics>;
  traces: Record<string, StepTrace[]>;
  nfe: Nfe;
  seconds: number;
}

/** A node failed; `node` is its id and `cause` the original error. */
export class NodeExecutionError extends SpgdError {
  constructor(
    readonly node: string,
    readonly original: unknown,
  ) {
    super(original instanceof SpgdError ? original.code : 'BAD_INPUT', original instanceof Error ? original.message : String(original));
    this.name = 'NodeExecutionError';
  }
}

// ------------------------------------------------------------------------------ helpers

const nan = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

export function traceJson(t: StepTrace): TraceJson {
  return {
    step: t.step,
    sigma: nan(t.sigma),
    t: nan(t.t),
    stepSize: nan(t.stepSize),
    residualNorm: nan(t.residualNorm),
    gradNorm: nan(t.gradNorm),
    admWeights: t.admWeights.map((w) => nan(w)),
    conflict: nan(t.conflict),
    fluctuationRaw: nan(t.fluctuationRaw),
    fluctuationAdm: nan(t.fluctuationAdm),
    priorStability: nan(t.priorStability),
    ...(t.psnr === undefined ? {} : { psnr: nan(t.psnr) }),
    ...(t.ssim === undefined ? {} : { ssim: nan(t.ssim) }),
    nfe: { ...t.nfe },
  };
}

/** Steps 0, k, 2k, ... and the last one, about `count` in all. */
export function captureSteps(steps: number, count = 10): Set<number> {
  const every = Math.max(1, Math.ceil(steps / Math.max(1, count)));
  const s = new Set<number>();
  for (let i = 0; i < steps; i += every) s.add(i);
  if (steps > 0) s.add(steps - 1);
  return s;
}

function previewPng(t: Tensor): string {
  return pngDataUrl(encodePng(tensorToImage(t)));
}

function want<K extends PortValue['kind']>(v: PortValue | undefined, kind: K, what: string): Extract<PortValue, { kind: K }> {
  if (!v || v.kind !== kind) throw new SpgdError('BAD_INPUT', `${what} needs a ${kind} input, got ${v ? v.kind : 'nothing'}`);
  return v as Extract<PortValue, { kind: K }>;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function finalMetrics(x: Tensor, m: MeasurementValue, operator: LinearOperator): RunMetrics {
  const out: RunMetrics = { residual: norm(sub(operator.forward(x), m.y)) };
  if (m.groundTruth && sameShape(m.groundTruth.shape, x.shape)) {
    out.psnr = psnr(x, m.groundTruth);
    out.ssim = ssim(x, m.groundTruth);
  }
  return out;
}

function metricsSummary(m: RunMetrics): string {
  const parts = [];
  if (m.psnr !== undefined) parts.push(`PSNR ${m.psnr.toFixed(2)} dB`);
  if (m.ssim !== undefined) parts.push(`SSIM ${m.ssim.toFixed(4)}`);
  parts.push(`||Ax - y|| ${m.residual === null ? 'n/a' : m.residual.toPrecision(4)}`);
  return parts.join(', ');
}

// ------------------------------------------------------------------------------ executor

export async function executePlan(plan: Plan, adapters: ExecuteAdapters, options: ExecuteOptions = {}): Promise<ExecuteResult> {
  const { signal, cache, store } = options;
  const now = options.now ?? (() => performance.now());
  const emit = (e: RunEventPayload) => options.onEvent?.(e);
  const interval = options.progressIntervalMs ?? 200;
  const start = now();
  const values = new Map<string, NodeOutputs>();
  const ran: string[] = [];
  const cachedNodes: string[] = [];
  const samplerMetrics: Record<string, RunMetrics> = {};
  const traces: Record<string, StepTrace[]> = {};
  const nfe: Nfe = { forward: 0, vjp: 0 };

  const publish = async (info: Omit<ProbeInfo, 'dtype' | 'stats' | 'shape' | 'kind'> & { tensor?: Tensor; kind?: TensorKind }) => {
    const { tensor, kind, ...rest } = info;
    if (tensor && kind) {
      await store?.put({ node: info.node, port: info.port, step: info.step, kind, tensor });
      emit({ type: 'probe', ...rest, shape: [...tensor.shape], dtype: 'float32', stats: statsJson(tensor), kind });
    } else {
      emit({ type: 'probe', ...rest, shape: [], dtype: null, stats: null, kind: null });
    }
  };

  const publishSnapshot = async (node: string, s: StepSnapshot) => {
    const parts: [string, Tensor | undefined, TensorKind][] = [
      ['x', s.x, 'image'],
      ['D', s.denoised, 'image'],
      ['g', s.grad, 'signed'],
      ['momentum', s.momentum, 'signed'],
      ['residual', s.residual, 'signed'],
    ];
    for (const [port, tensor, kind] of parts) if (tensor) await publish({ node, port, step: s.step, tensor, kind });
    emit({ type: 'preview', node, step: s.step, png: previewPng(s.denoised) });
  };

  const publishOutputs = async (step: PlanStep, outputs: NodeOutputs) => {
    for (const port of step.outputs) {
      const v = outputs[port];
      if (!v) continue;
      switch (v.kind) {
        case 'Image':
          await publish({ node: step.node, port, tensor: v.tensor, kind: 'image' });
          break;
        case 'Measurement': {
          await publish({ node: step.node, port, tensor: v.y, kind: 'image', summary: `y ${v.y.shape.join('x')}, sigma_y ${v.sigmaY}` });
          // The operator is built here (it needs the image's shape): its mask or kernel is the
          // Degrade node's output picture.
          const degradeNode = step.inputs.operator?.node;
          const state = v.operator.state.mask ?? v.operator.state.kernel;
          if (degradeNode && state) await publish({ node: degradeNode, port: 'operator', tensor: state, kind: 'map', summary: v.operator.task });
          break;
        }
        case 'Operator':
          await publish({ node: step.node, port, summary: `${v.task} (seed ${v.seed})` });
          break;
        case 'Prior':
          await publish({ node: step.node, port, summary: `${v.model}: ${v.eps.name}` });
          break;
        case 'Schedule': {
          const sig = karrasSigmas(v.bundle);
          await publish({ node: step.node, port, tensor: { shape: [sig.length], data: Float32Array.from(sig) }, kind: 'series', summary: `${v.bundle.steps} noise levels` });
          break;
        }
        case 'Warmup':
        case 'Momentum':
          await publish({ node: step.node, port, summary: JSON.stringify(v.bundle) });
          break;
        case 'Trace': {
          const r = Float32Array.from(v.trace, (t) => t.residualNorm);
          await publish({ node: step.node, port, tensor: { shape: [r.length], data: r }, kind: 'series', summary: metricsSummary(v.metrics) });
          break;
        }
        case 'Metrics':
          await publish({ node: step.node, port, summary: metricsSummary(v.metrics) });
          break;
      }
    }
  };

  const runStep = async (step: PlanStep, inputs: Record<string, PortValue>): Promise<NodeOutputs> => {
    const p = step.params as Record<string, any>;
    switch (step.type) {
      case NODE_TYPE.loadImage: {
        const t = await adapters.loadImage(String(p.source));
        return { image: { kind: 'Image', tensor: p.size > 0 ? fitToSquare(t, p.size) : t } };
      }
      case NODE_TYPE.degrade:
        return { operator: { kind: 'Operator', task: p.task, options: parseOperatorParams(p.task, p.options), seed: p.seed, key: step.key } };
      case NODE_TYPE.simulate: {
        const img = want(inputs.image, 'Image', 'Simulate measurement');
        const op = want(inputs.operator, 'Operator', 'Simulate measurement');
        const operator = createOperator(op.task, img.tensor.shape, op.options, new Rng(op.seed, 'operator'));
        const y = simulateMeasurement(operator, img.tensor, p.sigmaY, new Rng(p.seed, 'measurement'));
        return { measurement: { kind: 'Measurement', y, groundTruth: img.tensor, operator, operatorKey: op.key, sigmaY: p.sigmaY } };
      }
      case NODE_TYPE.prior: {
        const eps = await adapters.loadPrior(String(p.model));
        const denoiser = vpDenoiser(eps, p.timesteps === 'integer' ? { roundTimesteps: true } : {});
        return { prior: { kind: 'Prior', model: String(p.model), eps, denoiser } };
      }
      case NODE_TYPE.schedule:
        return { schedule: { kind: 'Schedule', bundle: { steps: p.steps, sigmaMax: p.sigmaMax, sigmaMin: p.sigmaMin, rho: p.rho } } };
      case NODE_TYPE.warmup:
        return { warmup: { kind: 'Warmup', bundle: { steps: p.steps, eta: p.eta, lrMinRatio: p.lrMinRatio } } };
      case NODE_TYPE.adm:
        return { momentum: { kind: 'Momentum', bundle: { beta: p.beta, applied: p.applied } } };
      case NODE_TYPE.metrics: {
        const img = want(inputs.image, 'Image', 'Metrics');
        const m = want(inputs.measurement, 'Measurement', 'Metrics');
        if (!sameShape(img.tensor.shape, m.operator.inShape)) {
          throw new SpgdError('SHAPE_MISMATCH', `the image is [${img.tensor.shape.join(', ')}], the measurement's operator takes [${m.operator.inShape.join(', ')}]`);
        }
        return { metrics: { kind: 'Metrics', metrics: finalMetrics(img.tensor, m, m.operator) } };
      }
      case NODE_TYPE.angles:
        return {};
      case NODE_TYPE.saveImage: {
        const img = want(inputs.image, 'Image', 'Save image');
        await adapters.saveImage?.({ node: step.node, filename: String(p.filename), image: img.tensor });
        return {};
      }
      default:
        if (isSamplerType(step.type)) return runSamplerStep(step, inputs);
        throw new SpgdError('BAD_INPUT', `no executor for node type '${step.type}'`);
    }
  };

  const runSamplerStep = async (step: PlanStep, inputs: Record<string, PortValue>): Promise<NodeOutputs> => {
    const cfg = step.sampler;
    if (!cfg) throw new SpgdError('BAD_INPUT', `sampler step '${step.node}' was compiled without its configuration`);
    const prior = want(inputs.prior, 'Prior', 'the sampler');
    const m = want(inputs.measurement, 'Measurement', 'the sampler');
    const op = want(inputs.operator, 'Operator', 'the sampler');
    let operator = m.operator;
    if (op.key !== m.operatorKey) {
      operator = createOperator(op.task, inputShapeFor(op.task, m.y.shape), op.options, new Rng(op.seed, 'operator'));
      if (!sameShape(operator.outShape, m.y.shape)) {
        throw new SpgdError(
          'SHAPE_MISMATCH',
          `the ${op.task} operator gives [${operator.outShape.join(', ')}], the measurement is [${m.y.shape.join(', ')}]`,
        );
      }
    }
    const sampler = buildSampler({ method: cfg.method, params: cfg.params, seed: cfg.seed }, prior);
    const captured = captureSteps(sampler.steps, options.captures ?? 10);
    let lastProgress = -Infinity;
    const pending: Promise<void>[] = [];
    const result = await runSampler(
      sampler,
      { operator, measurement: m.y, rng: new Rng(cfg.seed, 'sampler'), groundTruth: m.groundTruth, signal, captureAt: (i) => captured.has(i) },
      {
        onStep: (trace, snapshot) => {
          emit({ type: 'trace', node: step.node, step: trace.step, trace: traceJson(trace) });
          if (snapshot) pending.push(publishSnapshot(step.node, snapshot));
        },
        onProgress: (pr) => {
          const t = now();
          if (t - lastProgress >= interval || pr.step === pr.steps) {
            lastProgress = t;
            emit({ type: 'progress', node: step.node, step: pr.step, steps: pr.steps, nfe: { ...pr.nfe }, elapsedMs: Math.round(pr.elapsedMs) });
          }
        },
      },
    );
    await Promise.all(pending);
    return {
      image: { kind: 'Image', tensor: result.sample },
      trace: { kind: 'Trace', trace: result.trace, snapshots: result.snapshots, nfe: result.nfe, seconds: result.seconds, metrics: finalMetrics(result.sample, m, operator) },
    };
  };

  emit({ type: 'started', nfe: { ...plan.nfe }, estimate: { ...plan.estimate } });
  let current: string | undefined;
  try {
    for (const step of plan.steps) {
      current = step.node;
      throwIfCancelled(signal);
      const inputs: Record<string, PortValue> = {};
      for (const [port, ref] of Object.entries(step.inputs)) {
        const v = values.get(ref.node)?.[ref.port];
        if (!v) throw new SpgdError('BAD_INPUT', `input '${port}' has no value (from ${ref.node}.${ref.port})`);
        inputs[port] = v;
      }
      const cacheable = step.type !== NODE_TYPE.saveImage;
      let outputs = cacheable ? cache?.get(step.key) : undefined;
      if (outputs) {
        cachedNodes.push(step.node);
        if (isSamplerType(step.type)) {
          const tr = outputs.trace as TraceValue | undefined;
          for (const t of tr?.trace ?? []) emit({ type: 'trace', node: step.node, step: t.step, trace: traceJson(t) });
          for (const s of tr?.snapshots ?? []) await publishSnapshot(step.node, s);
        }
      } else {
        outputs = await runStep(step, inputs);
        ran.push(step.node);
        if (cacheable) cache?.set(step.key, outputs);
      }
      values.set(step.node, outputs);
      await publishOutputs(step, outputs);
      if (isSamplerType(step.type)) {
        const tr = outputs.trace as TraceValue;
        samplerMetrics[step.node] = tr.metrics;
        traces[step.node] = tr.trace;
        nfe.forward += tr.nfe.forward;
        nfe.vjp += tr.nfe.vjp;
      }
    }
  } catch (e) {
    if (e instanceof CancelledError || signal?.aborted) {
      emit({ type: 'cancelled' });
      throw e instanceof CancelledError ? e : new CancelledError();
    }
    const code = e instanceof SpgdError ? e.code : 'INTERNAL';
    emit({ type: 'error', node: current, code, message: e instanceof Error ? e.message : String(e) });
    throw new NodeExecutionError(current ?? '', e);
  }

  const primary = plan.primary;
  const metrics: RunMetrics = primary && samplerMetrics[primary] ? samplerMetrics[primary] : { residual: null };
  const seconds = (now() - start) / 1000;
  const many = Object.keys(samplerMetrics).length > 1;
  emit({ type: 'finished', metrics, seconds, nfe: { ...nfe }, ...(many ? { samplers: samplerMetrics } : {}) });
  return { outputs: values, ran, cached: cachedNodes, primary, metrics, samplers: samplerMetrics, traces, nfe, seconds };
}
