/**
 * Graph checks with one source of truth: the editor's isValidConnection and the server's
 * compiler both call these (the server never trusts the client). The node registry is passed
 * in, so lib/ does not depend on nodes/.
 */
import type { z } from 'zod';
import { nodeAt, type GraphDocument, type GraphEdge } from './document';
import type { PortFacts, PortSpec } from './ports';

/** What validation needs from a node type (NodeDefinition in nodes/define.ts satisfies it). */
export interface NodeTypeInfo<P extends z.ZodObject = z.ZodObject> {
  type: string;
  title: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  params: P;
  /**
   * Static facts of the outputs from params and input facts; `described` holds what the compiler
   * learnt from outside (an uploaded image's size), absent in the editor's own checks.
   */
  infer?: (
    params: z.infer<P>,
    inputs: Record<string, PortFacts | undefined>,
    described?: Record<string, PortFacts>,
  ) => { outputs?: Record<string, PortFacts>; errors?: string[] };
}
export type NodeTypeLookup = (type: string) => NodeTypeInfo | undefined;

export interface Connection {
  from: { node: string; port: string };
  to: { node: string; port: string };
}

/** Per-node problems (keyed by node id) plus graph-level ones. */
export interface GraphIssues {
  nodes: Record<string, string[]>;
  graph: string[];
}

/** True if adding `from -> to` (node ids) would close a cycle. */
function wouldCreateCycle(edges: readonly GraphEdge[], from: string, to: string): boolean {
  if (from === to) return true;
  const out = new Map<string, string[]>();
  for (const e of edges) out.set(e.from.node, [...(out.get(e.from.node) ?? []), e.to.node]);
  const seen = new Set<string>();
  const stack = [to];
  for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
    if (n === from) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(out.get(n) ?? []));
  }
  return false;
}

/** Node ids in dependency order, or the ids on a cycle when there is one. */
export function topologicalOrder(doc: Pick<GraphDocument, 'nodes' | 'edges'>): { order: string[] } | { cycle: string[] } {
  const ids = Object.keys(doc.nodes);
  const indeg = new Map(ids.map((id) => [id, 0]));
  const out = new Map<string, string[]>();
  for (const e of doc.edges) {
    const d = indeg.get(e.to.node);
    if (!indeg.has(e.from.node) || d === undefined) continue;
    indeg.set(e.to.node, d + 1);
    out.set(e.from.node, [...(out.get(e.from.node) ?? []), e.to.node]);
  }
  const ready = ids.filter((id) => indeg.get(id) === 0).sort();
  const order: string[] = [];
  for (let id = ready.shift(); id !== undefined; id = ready.shift()) {
    order.push(id);
    for (const next of out.get(id) ?? []) {
      const left = (indeg.get(next) ?? 0) - 1; // every `next` has an entry: wires to unknown nodes were skipped above
      indeg.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  if (order.length === ids.length) return { order };
  return { cycle: ids.filter((id) => !order.includes(id)).sort() };
}

/**
 * Whether a wire may be drawn, and why not: both ports exist, output to input, same port
 * type, the input is free, and no cycle. Returns null when the wire is fine.
 */
export function connectionProblem(doc: Pick<GraphDocument, 'nodes' | 'edges'>, c: Connection, lookup: NodeTypeLookup): string | null {
  const src = nodeAt(doc, c.from.node);
  const dst = nodeAt(doc, c.to.node);
  if (!src || !dst) return 'both ends must be nodes of this graph';
  const srcType = lookup(src.type);
  const dstType = lookup(dst.type);
  if (!srcType || !dstType) return `unknown node type '${!srcType ? src.type : dst.type}'`;
  const out = srcType.outputs.find((p) => p.name === c.from.port);
  const inp = dstType.inputs.find((p) => p.name === c.to.port);
  if (!out) return `${srcType.title} has no output '${c.from.port}'`;
  if (!inp) return `${dstType.title} has no input '${c.to.port}'`;
  if (out.type !== inp.type) return `${dstType.title} '${inp.label ?? inp.name}' takes ${inp.type}, not ${out.type}`;
  if (doc.edges.some((e) => e.to.node === c.to.node && e.to.port === c.to.port)) {
    return `${dstType.title} '${inp.label ?? inp.name}' is already connected`;
  }
  if (wouldCreateCycle(doc.edges, c.from.node, c.to.node)) return 'that wire would create a cycle';
  // Static facts: e.g. an operator's size rule against the image feeding it. Only problems this
  // wire introduces count; the target may still miss other wires while the graph is being built.
  const before = new Set(inferFacts(doc, lookup).issues.nodes[c.to.node] ?? []);
  const after = inferFacts({ ...doc, edges: [...doc.edges, c] }, lookup).issues.nodes[c.to.node] ?? [];
  return after.find((m) => !before.has(m) && !/ is not connected$/.test(m)) ?? null;
}

/** An unknown node type, or params that do not fit the type's schema (strictly: an unknown key is an error). */
export function paramIssues(node: Pick<GraphDocument['nodes'][string], 'type' | 'params'>, lookup: NodeTypeLookup): string[] {
  const def = lookup(node.type);
  if (!def) return [`unknown node type '${node.type}'`];
  const parsed = def.params.strict().safeParse(node.params);
  return parsed.success ? [] : parsed.error.issues.map((is) => `${is.path.join('.') || 'params'}: ${is.message}`);
}

/** paramIssues of every node of a document, by node id (empty when all are fine). */
export function documentParamIssues(doc: Pick<GraphDocument, 'nodes'>, lookup: NodeTypeLookup): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [id, node] of Object.entries(doc.nodes)) {
    const issues = paramIssues(node, lookup);
    if (issues.length) out[id] = issues;
  }
  return out;
}

/**
 * Propagate static facts along the graph in dependency order, collecting each node's problems.
 * Params are checked strictly (an unknown key is an error, not silently kept).
 */
export function inferFacts(
  doc: Pick<GraphDocument, 'nodes' | 'edges'>,
  lookup: NodeTypeLookup,
  described: ReadonlyMap<string, Record<string, PortFacts>> = new Map(),
) {
  const issues: GraphIssues = { nodes: {}, graph: [] };
  const add = (id: string, msg: string) => (issues.nodes[id] ??= []).push(msg);
  const outFacts = new Map<string, Record<string, PortFacts>>();
  const topo = topologicalOrder(doc);
  if ('cycle' in topo) {
    for (const id of topo.cycle) add(id, `part of a cycle (${topo.cycle.join(' -> ')})`);
    issues.graph.push('the graph has a cycle');
    return { issues, facts: outFacts };
  }
  for (const id of topo.order) {
    const node = doc.nodes[id];
    const def = lookup(node.type);
    const parsed = def?.params.strict().safeParse(node.params);
    if (!def || !parsed?.success) {
      for (const msg of paramIssues(node, lookup)) add(id, msg);
      continue;
    }
    const inputs: Record<string, PortFacts | undefined> = {};
    for (const port of def.inputs) {
      const wires = doc.edges.filter((e) => e.to.node === id && e.to.port === port.name);
      if (wires.length === 0 && !port.optional) add(id, `input '${port.label ?? port.name}' is not connected`);
      if (wires.length > 1) add(id, `input '${port.label ?? port.name}' has ${wires.length} wires`);
      if (wires[0]) inputs[port.name] = outFacts.get(wires[0].from.node)?.[wires[0].from.port];
    }
    for (const e of doc.edges.filter((e) => e.to.node === id)) {
      const src = nodeAt(doc, e.from.node);
      const srcDef = src && lookup(src.type);
      const out = srcDef?.outputs.find((p) => p.name === e.from.port);
      const inp = def.inputs.find((p) => p.name === e.to.port);
      if (!src) add(id, `wire from missing node '${e.from.node}'`);
      else if (!inp) add(id, `no input '${e.to.port}'`);
      else if (out && out.type !== inp.type) add(id, `input '${inp.label ?? inp.name}' takes ${inp.type}, not ${out.type}`);
    }
    const r = def.infer?.(parsed.data, inputs, described.get(id)) ?? {};
    for (const msg of r.errors ?? []) add(id, msg);
    outFacts.set(id, r.outputs ?? {});
  }
  return { issues, facts: outFacts };
}

/** Every problem of a document, per node. Empty maps mean the graph can be compiled. */
export function validateGraph(doc: Pick<GraphDocument, 'nodes' | 'edges'>, lookup: NodeTypeLookup): GraphIssues {
  return inferFacts(doc, lookup).issues;
}
