/**
 * Runs a compiled plan, framework-free (Node or browser): node by node in plan order, each by
 * its own run code (`NodeKit.run(type)`, injected: this module never names a node type), with
 * I/O behind adapters (image bytes, prior networks, saving), outputs cached by content key,
 * every output port published to a tensor store, and the run events of docs/api.md.
 *
 * Cache: a node whose key is in `cache` is not recomputed (a changed downstream parameter
 * recomputes only that node and what follows it). A cached Trace output replays its trace,
 * snapshots and previews, so a client sees the same events.
 *
 * @example
 * const result = await executePlan(plan, kit, { loadImage, loadPrior }, { signal, onEvent, cache: new Map() });
 */
import { CancelledError, SpgdError, throwIfCancelled } from '../errors';
import type { PortType } from '../graph/ports';
import type { Nfe, StepTrace } from '../samplers/types';
import type { ExecuteAdapters, NodeKit, Publication, RunContext } from './node-run';
import { publishOutput, publishSnapshot, traceJson } from './publish';
import { statsJson } from './render';
import type { Plan, PlanStep, RunEventPayload, RunMetrics, TensorKind } from './types';
import type { Tensor } from '../tensor';
import type { NodeOutputs, PortValue, PortValueOf, TraceValue } from './values';

export type { ExecuteAdapters } from './node-run';
export type { NodeOutputs, PortValue } from './values';

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
  /** Per node with a Trace output (the samplers). */
  samplers: Record<string, RunMetrics>;
  traces: Record<string, StepTrace[]>;
  nfe: Nfe;
  seconds: number;
  /** Seconds per node that ran (not those from the cache), for the estimate's learning. */
  nodeSeconds: Record<string, number>;
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

/** The Trace among a node's outputs, if it has one. */
function traceOf(outputs: NodeOutputs): TraceValue | undefined {
  return Object.values(outputs).find((v): v is TraceValue => v.kind === 'Trace');
}

/** `input` and `optionalInput` of a run context: inputs by port, checked against the port type. */
function inputGetters(step: PlanStep, inputs: Partial<Record<string, PortValue>>) {
  const ofType = <T extends PortType>(port: string, type: T, v: PortValue): PortValueOf<T> => {
    if (v.kind !== type) throw new SpgdError('BAD_INPUT', `input '${port}' of ${step.node} needs a ${type}, got ${v.kind}`);
    return v as PortValueOf<T>;
  };
  return {
    input: <T extends PortType>(port: string, type: T): PortValueOf<T> => {
      const v = inputs[port];
      if (!v) throw new SpgdError('BAD_INPUT', `input '${port}' of ${step.node} is not connected`);
      return ofType(port, type, v);
    },
    optionalInput: <T extends PortType>(port: string, type: T): PortValueOf<T> | undefined => {
      const v = inputs[port];
      return v ? ofType(port, type, v) : undefined;
    },
  };
}

export async function executePlan(plan: Plan, kit: NodeKit, adapters: ExecuteAdapters, options: ExecuteOptions = {}): Promise<ExecuteResult> {
  const { signal, cache, store } = options;
  const now = options.now ?? (() => performance.now());
  const emit = (e: RunEventPayload) => options.onEvent?.(e);
  const start = now();
  const values = new Map<string, NodeOutputs>();
  const ran: string[] = [];
  const cachedNodes: string[] = [];
  const samplerMetrics: Record<string, RunMetrics> = {};
  const traces: Record<string, StepTrace[]> = {};
  const nfe: Nfe = { forward: 0, vjp: 0 };
  const nodeOfKey = new Map(plan.steps.map((s) => [s.key, s.node]));
  const nodeSeconds: Record<string, number> = {};

  const publish = async ({ tensor, kind, ...rest }: Publication) => {
    if (tensor && kind) {
      await store?.put({ node: rest.node, port: rest.port, step: rest.step, kind, tensor });
      emit({ type: 'probe', ...rest, shape: [...tensor.shape], dtype: 'float32', stats: statsJson(tensor), kind });
    } else {
      emit({ type: 'probe', ...rest, shape: [], dtype: null, stats: null, kind: null });
    }
  };

  const runStep = async (step: PlanStep, inputs: Record<string, PortValue>): Promise<NodeOutputs> => {
    const run = kit.run(step.type);
    if (!run) throw new SpgdError('BAD_INPUT', `no run code for node type '${step.type}'`);
    const ctx: RunContext<Record<string, unknown>> = {
      node: step.node,
      step,
      params: step.params,
      inputs,
      ...inputGetters(step, inputs),
      adapters,
      signal,
      emit,
      publish,
      captures: options.captures ?? 10,
      progressIntervalMs: options.progressIntervalMs ?? 200,
      now,
    };
    return run.run(ctx);
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
      const cacheable = kit.run(step.type)?.cacheable !== false;
      let outputs = cacheable ? cache?.get(step.key) : undefined;
      if (outputs) {
        cachedNodes.push(step.node);
        const tr = traceOf(outputs);
        for (const t of tr?.trace ?? []) emit({ type: 'trace', node: step.node, step: t.step, trace: traceJson(t) });
        for (const s of tr?.snapshots ?? []) await publishSnapshot(step.node, s, publish, emit);
      } else {
        const t0 = now();
        outputs = await runStep(step, inputs);
        nodeSeconds[step.node] = (now() - t0) / 1000;
        ran.push(step.node);
        if (cacheable) cache?.set(step.key, outputs);
      }
      values.set(step.node, outputs);
      for (const port of step.outputs) {
        const v = (outputs as Partial<NodeOutputs>)[port]; // side-effect nodes may leave ports out
        if (v) await publishOutput(step.node, port, v, publish, (key) => nodeOfKey.get(key));
      }
      const tr = traceOf(outputs);
      if (tr) {
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
  const metrics: RunMetrics = (primary ? samplerMetrics[primary] : undefined) ?? { residual: null }; // absent when the primary left no Trace
  const seconds = (now() - start) / 1000;
  const many = Object.keys(samplerMetrics).length > 1;
  emit({ type: 'finished', metrics, seconds, nfe: { ...nfe }, ...(many ? { samplers: samplerMetrics } : {}), timings: { nodes: { ...nodeSeconds }, cached: [...cachedNodes] } });
  return { outputs: values, ran, cached: cachedNodes, primary, metrics, samplers: samplerMetrics, traces, nfe, seconds, nodeSeconds };
}
