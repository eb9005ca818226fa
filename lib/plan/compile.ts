/**
 * Graph document -> execution plan, or every problem found, per node.
 *
 * 1. Migrate (any schema version, node params by typeVersion).
 * 2. Drop bypassed nodes: their consumers see those inputs as unconnected.
 * 3. The shared checks of lib/graph/validate.ts (unknown type, bad params, missing or doubled
 *    wire, wrong port type, cycle, size rules from static facts): the server never trusts the
 *    editor's isValidConnection.
 * 4. Compile-time checks that need more than port facts: the operator's size rule with its
 *    own options (e.g. a blur kernel larger than the image), the sampler's full parameter set,
 *    the image source (env hook), and the prior at the size it will run at (env hook: ops the
 *    gradient compiler cannot differentiate, wrong signature).
 * 5. Steps in dependency order with resolved params, input refs and content keys, the NFE of
 *    every sampler (from lib/samplers itself), and an estimate of time and memory:
 *    seconds = sum over samplers of (plain forwards + 2.5 x VJP calls) x FLOPs / FLOP/s (150e9 by default).
 *
 * @example
 * const r = await compileGraph(doc, getNodeDefinition, { inspectPrior });
 * if (r.ok) console.log(r.plan.nfe, r.plan.estimate); else console.log(r.issues.nodes);
 */
import type { GraphDocument } from '../graph/document';
import { graphHash, nodeKey } from '../graph/hash';
import { GraphDocumentError, migrateDocumentWithIssues, type NodeMigrationInfo } from '../graph/migrate';
import type { PortFacts } from '../graph/ports';
import { inferFacts, topologicalOrder, type GraphIssues, type NodeTypeInfo, type NodeTypeLookup } from '../graph/validate';
import type { Nfe } from '../samplers/types';
import type { CompileResult, Plan, PlanStep, RunsOn } from './types';
import { NODE_TYPE, isSamplerType, samplerConfig, samplerNfe, type SamplerConfig, type SamplerInputs } from './wiring';

export type CompileLookup = (type: string) => (NodeTypeInfo & NodeMigrationInfo) | undefined;

/** What the environment knows about a prior model at one image size. */
export interface PriorReport {
  /** FLOPs of one forward pass for one image at that size (0 when unknown). */
  flops: number;
  parameters: number;
  /** Why the model is not a usable epsilon network (wrong inputs, outputs, opset...). */
  problems: string[];
  /** Ops on the image-to-output path without a VJP rule ("Round 'node_7'"); empty when differentiable. */
  unsupportedOps: string[];
  /** Bytes of activations kept for one VJP call, when the environment can tell. */
  activationBytes?: number;
}

export type ImageDescription = { width: number; height: number } | { error: string };

export interface CompileEnv {
  /** Where the steps run (default 'server'). */
  backend?: RunsOn;
  /** Describes a prior ('default' | 'gaussian' | 'sha256:<hex>') at an image size. */
  inspectPrior?(model: string, size: { height: number; width: number }): PriorReport | Promise<PriorReport>;
  /** Size of an image source ('sample:<name>' | 'sha256:<hex>'), or why it cannot be loaded. */
  describeImage?(source: string): ImageDescription | undefined | Promise<ImageDescription | undefined>;
  /** Sustained FLOP/s of the backend for the estimate (default 150e9, measured). */
  flopsPerSecond?: number;
}

/**
 * Sustained network throughput of onnxruntime-node on the reference 2-core machine: the shipped
 * prior's forward runs at 137-161 GFLOP/s from 64 to 256 px (bench/results/prior.md), well below
 * the convolution peak because its layers are thin.
 */
export const DEFAULT_FLOPS_PER_SECOND = 150e9;
/** A forward+VJP call (the fused guidance model) costs this many plain forwards (measured 2.48-2.53). */
export const VJP_COST = 2.5;
/** Fallback network density (the shipped prior: 1.15 GFLOP at 64x64) when no report is available. */
const FALLBACK_FLOPS_PER_PIXEL = 1_150_384_128 / (64 * 64);
/** Heuristic FLOPs per kept activation element (3x3 convolutions over ~8-16 channels). */
const FLOPS_PER_ACTIVATION = 150;
/** Snapshot tensors kept per captured sampler step (x, D, g, momentum, residual), ~11 captured steps. */
const SNAPSHOT_TENSORS = 5 * 11;

export const IMAGE_SOURCE = /^(sample:[A-Za-z0-9_-]+|sha256:[0-9a-f]{64})$/;

function fail(issues: GraphIssues): CompileResult {
  return { ok: false, issues };
}

export async function compileGraph(document: unknown, lookup: CompileLookup, env: CompileEnv = {}): Promise<CompileResult> {
  // 1. migrate
  let doc: GraphDocument;
  const issues: GraphIssues = { nodes: {}, graph: [] };
  const add = (id: string, msg: string) => {
    const list = (issues.nodes[id] ??= []);
    if (!list.includes(msg)) list.push(msg);
  };
  try {
    const m = migrateDocumentWithIssues(document, lookup);
    doc = m.document;
    for (const [id, msgs] of Object.entries(m.issues)) for (const msg of msgs) add(id, msg);
  } catch (e) {
    if (e instanceof GraphDocumentError) return fail({ nodes: {}, graph: e.issues });
    throw e;
  }
  if (Object.keys(doc.nodes).length === 0) return fail({ nodes: {}, graph: ['the graph is empty'] });

  // 2. bypass
  const active: GraphDocument['nodes'] = {};
  for (const [id, n] of Object.entries(doc.nodes)) if (n.mode !== 'bypass') active[id] = n;
  const bypassFed = new Map<string, string>();
  const edges = doc.edges.filter((e) => {
    if (!doc.nodes[e.to.node]) {
      issues.graph.push(`a wire goes to a missing node '${e.to.node}'`);
      return false;
    }
    if (doc.nodes[e.to.node].mode === 'bypass') return false;
    if (doc.nodes[e.from.node]?.mode === 'bypass') {
      bypassFed.set(`${e.to.node}\u0000${e.to.port}`, e.from.node);
      return false;
    }
    return true;
  });

  // Image sources: format, and the real size where the node keeps the image's own size.
  const sizes = new Map<string, { width: number; height: number }>();
  for (const [id, n] of Object.entries(active)) {
    if (n.type !== NODE_TYPE.loadImage) continue;
    const source = n.params.source ?? 'sample:default';
    if (typeof source !== 'string') continue; // the params check reports it
    if (!IMAGE_SOURCE.test(source)) {
      add(id, `source must be 'sample:<name>' or 'sha256:<hex of an upload>', got '${source}'`);
      continue;
    }
    const d = await env.describeImage?.(source);
    if (d && 'error' in d) add(id, d.error);
    else if (d) sizes.set(source, d);
  }
  const facted: NodeTypeLookup = (type) => {
    const def = lookup(type);
    if (!def || type !== NODE_TYPE.loadImage || !def.infer) return def;
    const base = def.infer;
    return {
      ...def,
      infer: (p: { source: string; size: number }, inputs: Record<string, PortFacts | undefined>) => {
        if (p.size > 0) return base(p, inputs);
        const s = sizes.get(p.source);
        return { outputs: { image: s ? { channels: 3, height: s.height, width: s.width } : { channels: 3 } } };
      },
    };
  };

  // 3. shared checks
  const activeDoc = { nodes: active, edges };
  const { issues: v, facts } = inferFacts(activeDoc, facted);
  issues.graph.push(...v.graph);
  for (const [id, msgs] of Object.entries(v.nodes)) {
    const def = lookup(active[id].type);
    for (const msg of msgs) {
      if (msg.startsWith('part of a cycle')) continue; // re-reported below for the nodes actually on a cycle
      const m = /^input '(.+)' is not connected$/.exec(msg);
      if (m && def) {
        const port = def.inputs.find((p) => (p.label ?? p.name) === m[1])?.name;
        const from = port && bypassFed.get(`${id}\u0000${port}`);
        if (from) {
          add(id, `input '${m[1]}' comes from '${from}', which is bypassed`);
          continue;
        }
      }
      add(id, msg);
    }
  }
  if (issues.graph.some((g) => g.includes('cycle'))) {
    // validate.ts flags every node it could not order; name only those on a cycle.
    for (const cycle of cycles(activeDoc)) for (const id of cycle) add(id, `part of a cycle (${cycle.join(' -> ')})`);
    return fail(issues);
  }

  // Dependency order (the graph is acyclic here).
  const t = topologicalOrder(activeDoc);
  const order = 'order' in t ? t.order : [];
  const resolved = new Map<string, Record<string, unknown>>();
  const inputsOf = (id: string) => {
    const refs: Record<string, { node: string; port: string }> = {};
    for (const e of edges) if (e.to.node === id) refs[e.to.port] = { node: e.from.node, port: e.from.port };
    return refs;
  };
  for (const id of order) {
    const def = lookup(active[id].type);
    if (!def) continue;
    const r = def.params.safeParse(active[id].params);
    if (r.success) resolved.set(id, r.data as Record<string, unknown>);
  }

  // 4. compile-time checks
  const priorReports = new Map<string, Promise<PriorReport>>();
  const report = (model: string, height: number, width: number) => {
    if (!env.inspectPrior) return undefined;
    const k = `${model}@${height}x${width}`;
    let p = priorReports.get(k);
    if (!p) {
      p = Promise.resolve(env.inspectPrior(model, { height, width }));
      priorReports.set(k, p);
    }
    return p;
  };
  const samplers = new Map<string, { config: SamplerConfig; height: number; width: number; report?: PriorReport; nfe: Nfe & { steps: number } }>();
  const defaultSize = 64;
  for (const id of order) {
    const node = active[id];
    const params = resolved.get(id);
    if (!params || issues.nodes[id]?.length) continue;
    const inputs = inputsOf(id);
    if (isSamplerType(node.type)) {
      const bundle = (port: string) => (inputs[port] ? resolved.get(inputs[port].node) : undefined);
      const mRef = inputs.measurement;
      const sim = mRef ? active[mRef.node] : undefined;
      const sin: SamplerInputs = {
        schedule: bundle('schedule') as SamplerInputs['schedule'],
        warmup: bundle('warmup') as SamplerInputs['warmup'],
        momentum: bundle('momentum') as SamplerInputs['momentum'],
        sigmaY: sim?.type === NODE_TYPE.simulate ? (resolved.get(mRef!.node)?.sigmaY as number | undefined) : undefined,
      };
      // A parameter bundle with its own problems is reported there.
      if (Object.values(inputs).some((r) => issues.nodes[r.node]?.length)) continue;
      let config: SamplerConfig;
      let nfe: Nfe & { steps: number };
      try {
        config = samplerConfig(node.type, params, sin);
        nfe = samplerNfe(config);
      } catch (e) {
        add(id, (e as Error).message);
        continue;
      }
      const out = facts.get(id)?.image;
      const height = out?.height ?? defaultSize;
      const width = out?.width ?? defaultSize;
      const priorId = inputs.prior?.node;
      const model = priorId ? String(resolved.get(priorId)?.model ?? 'default') : 'default';
      const rep = priorId ? await report(model, height, width) : undefined;
      if (rep && priorId) {
        for (const p of rep.problems) add(priorId, p);
        if (nfe.vjp > 0 && rep.unsupportedOps.length) {
          add(
            priorId,
            `the ${title(lookup, node.type)} needs the network's gradient, but these ops cannot be differentiated: ${rep.unsupportedOps.join(', ')}`,
          );
        }
      }
      samplers.set(id, { config, height, width, report: rep, nfe });
    }
  }
  if (Object.keys(issues.nodes).length || issues.graph.length) return fail(issues);

  // 5. plan
  const runsOn: RunsOn = env.backend ?? 'server';
  const flopsPerSecond = env.flopsPerSecond ?? DEFAULT_FLOPS_PER_SECOND;
  const keys = new Map<string, string>();
  const steps: PlanStep[] = [];
  const total: Nfe = { forward: 0, vjp: 0 };
  let seconds = 0;
  let bytes = 0;
  const modelBytes = new Map<string, number>();
  let primary: string | null = null;
  for (const id of order) {
    const node = active[id];
    const def = lookup(node.type)!;
    const params = resolved.get(id)!;
    const inputs = inputsOf(id);
    const inputKeys: Record<string, string> = {};
    for (const [port, ref] of Object.entries(inputs)) inputKeys[port] = `${keys.get(ref.node)}:${ref.port}`;
    const key = nodeKey(node.type, params, inputKeys, node.typeVersion);
    keys.set(id, key);
    const step: PlanStep = { node: id, type: node.type, runsOn, key, params, inputs, outputs: def.outputs.map((o) => o.name) };
    const s = samplers.get(id);
    if (s) {
      const model = String(resolved.get(inputs.prior?.node ?? '')?.model ?? 'default');
      const flops = s.report ? s.report.flops : model === 'gaussian' ? 10 * 3 * s.height * s.width : FALLBACK_FLOPS_PER_PIXEL * s.height * s.width;
      const perForward = flops / flopsPerSecond;
      step.sampler = {
        method: s.config.method,
        params: s.config.params,
        seed: s.config.seed,
        steps: s.nfe.steps,
        nfe: { forward: s.nfe.forward, vjp: s.nfe.vjp },
        height: s.height,
        width: s.width,
        secondsPerForward: perForward,
      };
      total.forward += s.nfe.forward;
      total.vjp += s.nfe.vjp;
      seconds += (s.nfe.forward - s.nfe.vjp) * perForward + s.nfe.vjp * VJP_COST * perForward;
      const pixels = 3 * s.height * s.width * 4;
      bytes += pixels * (SNAPSHOT_TENSORS + 12);
      if (s.nfe.vjp > 0) bytes += s.report?.activationBytes ?? (4 * flops) / FLOPS_PER_ACTIVATION;
      const weights = 4 * (s.report?.parameters ?? 0) * (s.nfe.vjp > 0 ? 2 : 1);
      modelBytes.set(model, Math.max(modelBytes.get(model) ?? 0, weights));
      primary = id;
    }
    steps.push(step);
  }
  for (const b of modelBytes.values()) bytes += b;
  const plan: Plan = {
    hash: graphHash(doc, lookup),
    steps,
    nfe: total,
    estimate: { seconds: round(seconds, 3), memoryMB: round(bytes / 2 ** 20, 1) },
    primary,
  };
  return { ok: true, plan };
}

/** The cycles of a graph: its strongly connected components with more than one node or a self-loop (Tarjan). */
export function cycles(doc: Pick<GraphDocument, 'nodes' | 'edges'>): string[][] {
  const next = new Map<string, string[]>();
  for (const e of doc.edges) if (doc.nodes[e.from.node] && doc.nodes[e.to.node]) next.set(e.from.node, [...(next.get(e.from.node) ?? []), e.to.node]);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (next.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const id of Object.keys(doc.nodes).sort()) if (!index.has(id)) visit(id);
  return out;
}

function title(lookup: CompileLookup, type: string): string {
  return lookup(type)?.title ?? type;
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
