/**
 * Graph document -> execution plan, or every problem found, per node.
 *
 * 1. Migrate (any schema version, node params by typeVersion); store the files the document
 *    carries (`assets[sha].data`) through the env, so the nodes that load them find them.
 * 2. Drop bypassed nodes: their consumers see those inputs as unconnected.
 * 3. Ask each node what the outside world says (`NodeRun.describe`: an upload's real size).
 * 4. The shared checks of lib/graph/validate.ts (unknown type, bad params, missing or doubled
 *    wire, wrong port type, cycle, size rules from static facts): the server never trusts the
 *    editor's isValidConnection.
 * 5. Each node's plan contribution (`NodeRun.plan`: a sampler's full parameter set, its NFE and
 *    size), and the prior each sampler runs, inspected at that size (env hook: ops the gradient
 *    compiler cannot differentiate, wrong signature).
 * 6. Steps in dependency order with resolved params, input refs, content keys and each step's
 *    cost, the NFE of every sampler, and an estimate of time and memory (`estimate.ts`) that
 *    counts every node.
 *
 * The node types come in as a `NodeKit` (definitions and run code): this module never names one.
 *
 * @example
 * const r = await compileGraph(doc, kit, { inspectPrior });
 * if (r.ok) console.log(r.plan.nfe, r.plan.estimate); else console.log(r.issues.nodes);
 */
import { nodeAt, type GraphDocument } from '../graph/document';
import { embeddedAssets } from '../graph/embedded-assets';
import { graphHash, nodeKey } from '../graph/hash';
import { GraphDocumentError, migrateDocumentWithIssues } from '../graph/migrate';
import type { PortFacts } from '../graph/ports';
import { inferFacts, paramIssues, topologicalOrder, type GraphIssues } from '../graph/validate';
import {
  dataNodeBytes,
  DEFAULT_FLOPS_PER_SECOND,
  estimateTime,
  forwardFlops,
  planNfeAndMemory,
  samplerBytes,
  toMB,
  type PricedSampler,
} from './estimate';
import type { CompileEnv, NodeKit, PriorReport, SamplerContribution } from './node-run';
import type { CompileResult, Plan, PlanStep, PortRefJson } from './types';

export type { CompileEnv, ImageDescription, PriorReport } from './node-run';

type Nodes = GraphDocument['nodes'];
type Edges = GraphDocument['edges'];

/** Per-node and graph-level issues, each message kept once. */
class IssueList {
  readonly issues: GraphIssues = { nodes: {}, graph: [] };
  add(id: string, msg: string): void {
    const list = (this.issues.nodes[id] ??= []);
    if (!list.includes(msg)) list.push(msg);
  }
  has(id: string): boolean {
    // Own properties only: an id such as 'constructor' must not find Object.prototype's.
    return Object.hasOwn(this.issues.nodes, id) && this.issues.nodes[id].length > 0;
  }
  get any(): boolean {
    return Object.keys(this.issues.nodes).length > 0 || this.issues.graph.length > 0;
  }
}

export async function compileGraph(document: unknown, kit: NodeKit, env: CompileEnv = {}): Promise<CompileResult> {
  const list = new IssueList();
  let doc: GraphDocument;
  try {
    const m = migrateDocumentWithIssues(document, kit.definition);
    doc = m.document;
    for (const [id, msgs] of Object.entries(m.issues)) for (const msg of msgs) list.add(id, msg);
  } catch (e) {
    if (e instanceof GraphDocumentError) return { ok: false, issues: { nodes: {}, graph: e.issues } };
    throw e;
  }
  if (Object.keys(doc.nodes).length === 0) return { ok: false, issues: { nodes: {}, graph: ['the graph is empty'] } };
  const assetProblems = await storeEmbedded(doc, env);
  if (assetProblems.length) return { ok: false, issues: { nodes: {}, graph: assetProblems } };

  const { active, edges, bypassFed } = dropBypassed(doc, list);
  // A bypassed node is kept in the document: its params must be valid too.
  for (const [id, n] of Object.entries(doc.nodes)) if (n.mode === 'bypass') for (const msg of paramIssues(n, kit.definition)) list.add(id, msg);
  const described = await describeNodes(active, kit, env, list);
  const facts = checkGraph({ nodes: active, edges }, kit, described, bypassFed, list);
  if (!facts) return { ok: false, issues: list.issues };

  const t = topologicalOrder({ nodes: active, edges });
  const order = 'order' in t ? t.order : [];
  const resolved = resolveParams(order, active, kit);
  const samplers = await planNodes(order, active, edges, resolved, facts, kit, env, list);
  if (list.any) return { ok: false, issues: list.issues };

  const plan = buildPlan(doc, order, active, edges, resolved, samplers, { facts, described }, kit, env);
  return { ok: true, plan };
}

/** The files the document carries, checked against their keys and handed to the env's store; what went wrong. */
async function storeEmbedded(doc: GraphDocument, env: CompileEnv): Promise<string[]> {
  const { files, problems } = embeddedAssets(doc.assets);
  if (files.length && env.storeEmbeddedAssets) problems.push(...(await env.storeEmbeddedAssets(files)));
  return problems;
}

/** Active nodes, the wires between them, and which required inputs lost their feed to a bypassed node. */
function dropBypassed(doc: GraphDocument, list: IssueList) {
  const active: Nodes = {};
  for (const [id, n] of Object.entries(doc.nodes)) if (n.mode !== 'bypass') active[id] = n;
  const bypassFed = new Map<string, string>();
  const edges = doc.edges.filter((e) => {
    const to = nodeAt(doc, e.to.node);
    if (!to) {
      list.issues.graph.push(`a wire goes to a missing node '${e.to.node}'`);
      return false;
    }
    if (to.mode === 'bypass') return false;
    if (nodeAt(doc, e.from.node)?.mode === 'bypass') {
      bypassFed.set(`${e.to.node}\u0000${e.to.port}`, e.from.node);
      return false;
    }
    return true;
  });
  return { active, edges, bypassFed };
}

/** Facts from the outside world, per node (run code's `describe`), and a node type without run code. */
async function describeNodes(active: Nodes, kit: NodeKit, env: CompileEnv, list: IssueList) {
  const described = new Map<string, Record<string, PortFacts>>();
  for (const [id, n] of Object.entries(active)) {
    const def = kit.definition(n.type);
    if (!def) continue; // reported by the shared checks
    const run = kit.run(n.type);
    if (!run) {
      list.add(id, `'${n.type}' cannot run here (no run code registered for it)`);
      continue;
    }
    if (!run.describe) continue;
    const params = def.params.safeParse(n.params);
    if (!params.success) continue; // reported by the shared checks
    const d = await run.describe(params.data, env);
    for (const msg of d.errors ?? []) list.add(id, msg);
    if (d.outputs) described.set(id, d.outputs);
  }
  return described;
}

/** The shared checks; null when the graph has a cycle (nothing else can be said then). */
function checkGraph(
  doc: { nodes: Nodes; edges: Edges },
  kit: NodeKit,
  described: ReadonlyMap<string, Record<string, PortFacts>>,
  bypassFed: ReadonlyMap<string, string>,
  list: IssueList,
): Map<string, Record<string, PortFacts>> | null {
  const { issues, facts } = inferFacts(doc, kit.definition, described);
  list.issues.graph.push(...issues.graph);
  for (const [id, msgs] of Object.entries(issues.nodes)) {
    const def = kit.definition(doc.nodes[id].type);
    for (const msg of msgs) {
      if (msg.startsWith('part of a cycle')) continue; // re-reported below for the nodes actually on a cycle
      const m = /^input '(.+)' is not connected$/.exec(msg);
      const port = m && def ? def.inputs.find((p) => (p.label ?? p.name) === m[1])?.name : undefined;
      const from = port && bypassFed.get(`${id}\u0000${port}`);
      list.add(id, m && from ? `input '${m[1]}' comes from '${from}', which is bypassed` : msg);
    }
  }
  if (list.issues.graph.some((g) => g.includes('cycle'))) {
    // validate.ts flags every node it could not order; name only those on a cycle.
    for (const cycle of cycles(doc)) for (const id of cycle) list.add(id, `part of a cycle (${cycle.join(' -> ')})`);
    return null;
  }
  return facts;
}

/** Params with the node types' defaults applied, for nodes whose params are valid. */
function resolveParams(order: string[], active: Nodes, kit: NodeKit): Map<string, Record<string, unknown>> {
  const resolved = new Map<string, Record<string, unknown>>();
  for (const id of order) {
    const r = kit.definition(active[id].type)?.params.safeParse(active[id].params);
    if (r?.success) resolved.set(id, r.data);
  }
  return resolved;
}

function inputRefs(id: string, edges: Edges): Record<string, PortRefJson> {
  const refs: Record<string, PortRefJson> = {};
  for (const e of edges) if (e.to.node === id) refs[e.to.port] = { node: e.from.node, port: e.from.port };
  return refs;
}

interface PlannedSampler {
  contribution: SamplerContribution;
  model: string | null;
  report?: PriorReport;
}

/** Each node's plan contribution, and the priors the samplers run, checked at their sizes. */
async function planNodes(
  order: string[],
  active: Nodes,
  edges: Edges,
  resolved: Map<string, Record<string, unknown>>,
  facts: Map<string, Record<string, PortFacts>>,
  kit: NodeKit,
  env: CompileEnv,
  list: IssueList,
): Promise<Map<string, PlannedSampler>> {
  const reports = new Map<string, Promise<PriorReport>>();
  const report = (model: string, height: number, width: number) => {
    const k = `${model}@${height}x${width}`;
    let p = reports.get(k);
    if (!p && env.inspectPrior) reports.set(k, (p = Promise.resolve(env.inspectPrior(model, { height, width }))));
    return p;
  };
  const samplers = new Map<string, PlannedSampler>();
  for (const id of order) {
    const params = resolved.get(id);
    const run = kit.run(active[id].type);
    if (!params || !run?.plan || list.has(id)) continue;
    const refs = inputRefs(id, edges);
    // A node fed by one with its own problems is judged once those are fixed.
    if (Object.values(refs).some((r) => list.has(r.node))) continue;
    const inputs: Record<string, PortFacts | undefined> = {};
    for (const [port, ref] of Object.entries(refs)) inputs[port] = facts.get(ref.node)?.[ref.port];
    const c = run.plan({ node: id, params, inputs, outputs: facts.get(id) ?? {} });
    for (const msg of c.errors ?? []) list.add(id, msg);
    if (!c.sampler) continue;
    const s = c.sampler;
    const priorRef = s.priorPort ? refs[s.priorPort] : undefined;
    const model = s.priorPort ? (inputs[s.priorPort]?.model ?? null) : null;
    const rep = priorRef && model ? await report(model, s.height, s.width) : undefined;
    if (rep && priorRef) {
      for (const p of rep.problems) list.add(priorRef.node, p);
      if (s.nfe.vjp > 0 && rep.unsupportedOps.length) {
        const title = kit.definition(active[id].type)?.title ?? active[id].type;
        list.add(priorRef.node, `the ${title} needs the network's gradient, but these ops cannot be differentiated: ${rep.unsupportedOps.join(', ')}`);
      }
    }
    samplers.set(id, { contribution: s, model, report: rep });
  }
  return samplers;
}

/** Float elements of the sized values among port facts (images, masks, kernels, measurements). */
function elements(ports: Record<string, PortFacts> | undefined): number {
  let n = 0;
  for (const f of Object.values(ports ?? {})) if (f.height && f.width) n += (f.channels ?? 1) * f.height * f.width;
  return n;
}

function buildPlan(
  doc: GraphDocument,
  order: string[],
  active: Nodes,
  edges: Edges,
  resolved: Map<string, Record<string, unknown>>,
  samplers: Map<string, PlannedSampler>,
  sizes: { facts: Map<string, Record<string, PortFacts>>; described: ReadonlyMap<string, Record<string, PortFacts>> },
  kit: NodeKit,
  env: CompileEnv,
): Plan {
  const runsOn = env.backend ?? 'server';
  const keys = new Map<string, string>();
  const steps: PlanStep[] = [];
  const priced: PricedSampler[] = [];
  let otherBytes = 0;
  let primary: string | null = null;
  for (const id of order) {
    const node = active[id];
    const def = kit.definition(node.type);
    const params = resolved.get(id);
    if (!def || !params) throw new Error(`compileGraph: node '${id}' passed the checks without a definition or valid params`);
    const inputs = inputRefs(id, edges);
    const inputKeys: Record<string, string> = {};
    for (const [port, ref] of Object.entries(inputs)) inputKeys[port] = `${keys.get(ref.node)}:${ref.port}`;
    const key = nodeKey(node.type, params, inputKeys, node.typeVersion);
    keys.set(id, key);
    const s = samplers.get(id);
    // Memory per step; seconds are priced below for the whole plan (estimateTime) and put on each step.
    const written = elements(sizes.facts.get(id));
    const bytes = s ? samplerBytes(s) : dataNodeBytes(elements(sizes.described.get(id)), written);
    if (!s) otherBytes += bytes;
    const step: PlanStep = {
      node: id,
      type: node.type,
      runsOn,
      key,
      params,
      inputs,
      outputs: def.outputs.map((o) => o.name),
      estimate: { seconds: 0, memoryMB: toMB(bytes) },
    };
    if (s) {
      priced.push(s);
      const { priorPort: _port, ...c } = s.contribution;
      const flops = forwardFlops(s);
      const net = s.model === null ? undefined : env.throughput?.network(s.model, c.height * c.width, flops);
      step.sampler = { ...c, nfe: { ...c.nfe }, model: s.model, flops, secondsPerForward: net?.forward ?? flops / DEFAULT_FLOPS_PER_SECOND };
      primary = id;
    }
    steps.push(step);
  }
  const { nfe, memoryMB } = planNfeAndMemory(priced, otherBytes);
  const time = estimateTime(
    { steps },
    {
      throughput: env.throughput,
      cached: env.isCached ? (key) => env.isCached?.(key) ?? false : undefined,
      warm: env.isWarm ? (model, task, px) => env.isWarm?.(model, task, px) ?? true : undefined,
      isOpen: env.isOpen ? (model) => env.isOpen?.(model) ?? false : undefined,
    },
  );
  for (const step of steps) step.estimate.seconds = time.steps[step.node] ?? 0;
  const models = [...new Set(priced.flatMap((p) => (p.model === null ? [] : [p.model])))];
  return { hash: graphHash(doc, kit.definition), steps, nfe, estimate: { seconds: time.seconds, memoryMB }, primary, models };
}

/** The cycles of a graph: its strongly connected components with more than one node or a self-loop (Tarjan). */
export function cycles(doc: Pick<GraphDocument, 'nodes' | 'edges'>): string[][] {
  const next = new Map<string, string[]>();
  for (const e of doc.edges) if (nodeAt(doc, e.from.node) && nodeAt(doc, e.to.node)) next.set(e.from.node, [...(next.get(e.from.node) ?? []), e.to.node]);
  let counter = 0;
  const index = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  /** Visits v and returns its low-link. */
  const visit = (v: string): number => {
    const indexV = counter++;
    let low = indexV;
    index.set(v, indexV);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      const indexW = index.get(w);
      if (indexW === undefined) low = Math.min(low, visit(w));
      else if (onStack.has(w)) low = Math.min(low, indexW);
    }
    if (low === indexV) {
      const comp: string[] = [];
      for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
        onStack.delete(w);
        comp.push(w);
        if (w === v) break;
      }
      if (comp.length > 1 || (next.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
    return low;
  };
  for (const id of Object.keys(doc.nodes).sort()) if (!index.has(id)) visit(id);
  return out;
}
