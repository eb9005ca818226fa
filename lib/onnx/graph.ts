/**
 * In-memory graph IR for the ONNX compiler: nodes, initializers (typed arrays), inputs and
 * outputs, plus topological sorting, dead-code elimination and constant folding of shape
 * subgraphs (Shape -> Gather -> Unsqueeze -> Concat -> Reshape ...) for a fixed static input
 * size, interleaved with static shape inference (`shape-inference.ts`).
 */
import { SpgdError } from '../errors';
import { evaluateConstant } from './fold';
import {
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './proto';
import { inferNodeShapes } from './shape-inference';
import type { ValueMeta } from './shapes';

/** A mutable graph: the working representation of every compiler pass. */
export class Graph {
  name: string;
  nodes: OnnxNode[];
  initializers: Map<string, OnnxTensor>;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  private used = new Set<string>();

  constructor(init: {
    name?: string;
    nodes?: OnnxNode[];
    initializers?: Iterable<OnnxTensor>;
    inputs?: OnnxValueInfo[];
    outputs?: OnnxValueInfo[];
  }) {
    this.name = init.name ?? 'graph';
    this.nodes = init.nodes ? [...init.nodes] : [];
    this.initializers = new Map();
    for (const t of init.initializers ?? []) this.initializers.set(t.name, t);
    // Copies, not references: passes rename values in place, and a decoded model that is
    // compiled twice (inspect, then compile) must not see the first pass's renames.
    this.inputs = init.inputs ? init.inputs.map((v) => ({ ...v })) : [];
    this.outputs = init.outputs ? init.outputs.map((v) => ({ ...v })) : [];
    this.reindexNames();
  }

  /** Builds the IR from a decoded GraphProto; unnamed nodes get unique `<OpType>_<i>` names. */
  static fromProto(g: OnnxGraph): Graph {
    const graph = new Graph({
      name: g.name,
      initializers: g.initializers,
      // Old IR versions list initializers among the inputs; they are constants here.
      inputs: g.inputs.filter((v) => !g.initializers.some((t) => t.name === v.name)),
      outputs: g.outputs,
    });
    const nodeNames = new Set<string>();
    g.nodes.forEach((n, i) => {
      let name = n.name || `${n.opType}_${i}`;
      while (nodeNames.has(name)) name = `${name}_${i}`;
      nodeNames.add(name);
      graph.addNode({ ...n, name, inputs: [...n.inputs], outputs: [...n.outputs] });
    });
    return graph;
  }

  toProto(): OnnxGraph {
    return {
      name: this.name,
      nodes: this.nodes,
      initializers: [...this.initializers.values()],
      inputs: this.inputs,
      outputs: this.outputs,
      valueInfo: [],
    };
  }

  clone(): Graph {
    return new Graph({
      name: this.name,
      nodes: this.nodes.map((n) => ({ ...n, inputs: [...n.inputs], outputs: [...n.outputs] })),
      initializers: this.initializers.values(),
      inputs: this.inputs.map((v) => ({ ...v })),
      outputs: this.outputs.map((v) => ({ ...v })),
    });
  }

  private reindexNames(): void {
    this.used = new Set();
    for (const v of this.inputs) this.used.add(v.name);
    for (const v of this.outputs) this.used.add(v.name);
    for (const k of this.initializers.keys()) this.used.add(k);
    for (const n of this.nodes) this.markNode(n);
  }

  private markNode(n: OnnxNode): void {
    this.used.add(n.name);
    for (const o of n.outputs) this.used.add(o);
    for (const i of n.inputs) if (i) this.used.add(i);
  }

  addNode(n: OnnxNode): void {
    this.nodes.push(n);
    this.markNode(n);
  }

  addInitializer(t: OnnxTensor): void {
    this.initializers.set(t.name, t);
    this.used.add(t.name);
  }

  /** A value/node name not used anywhere in the graph yet (and reserved from now on). */
  uniqueName(base: string): string {
    let name = base;
    let k = 1;
    while (this.used.has(name)) name = `${base}_${k++}`;
    this.used.add(name);
    return name;
  }

  /** Marks names as used (after an external rename). */
  reserve(names: Iterable<string>): void {
    for (const n of names) this.used.add(n);
  }

  /** Map from value name to the node producing it. */
  producers(): Map<string, OnnxNode> {
    const m = new Map<string, OnnxNode>();
    for (const n of this.nodes) for (const o of n.outputs) if (o) m.set(o, n);
    return m;
  }
}

// ---------------------------------------------------------------------------------------------
// Ordering and cleanup

/** Nodes in an order where every input is produced before it is consumed. */
export function topoSort(nodes: readonly OnnxNode[], available: Iterable<string>): OnnxNode[] {
  const producerOf = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o && producerOf.set(o, i)));
  const have = new Set(available);
  const indeg = new Array<number>(nodes.length).fill(0);
  const consumers = new Map<number, number[]>();
  nodes.forEach((n, i) => {
    const deps = new Set<number>();
    for (const inp of n.inputs) {
      if (!inp) continue;
      const p = producerOf.get(inp);
      if (p !== undefined && p !== i) deps.add(p);
      else if (p === undefined && !have.has(inp)) {
        throw new SpgdError('BAD_MODEL', `node '${n.name}' (${n.opType}) reads '${inp}', which nothing produces`);
      }
    }
    indeg[i] = deps.size;
    for (const d of deps) {
      const list = consumers.get(d) ?? [];
      list.push(i);
      consumers.set(d, list);
    }
  });
  const queue: number[] = [];
  indeg.forEach((d, i) => d === 0 && queue.push(i));
  const order: OnnxNode[] = [];
  for (let q = 0; q < queue.length; q++) {
    const i = queue[q];
    order.push(nodes[i]);
    for (const c of consumers.get(i) ?? []) if (--indeg[c] === 0) queue.push(c);
  }
  if (order.length !== nodes.length) throw new SpgdError('BAD_MODEL', 'the graph has a cycle');
  return order;
}

/** Removes nodes and initializers that do not contribute to `outputs` (the graph outputs by default). */
export function eliminateDeadCode(g: Graph, outputs: readonly string[] = g.outputs.map((o) => o.name)): void {
  const needed = new Set(outputs);
  const producers = g.producers();
  const keep = new Set<OnnxNode>();
  const stack = [...outputs];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    const n = producers.get(v);
    if (!n || keep.has(n)) continue;
    keep.add(n);
    for (const i of n.inputs) {
      if (i && !needed.has(i)) {
        needed.add(i);
        stack.push(i);
      }
    }
  }
  g.nodes = g.nodes.filter((n) => keep.has(n));
  for (const k of [...g.initializers.keys()]) if (!needed.has(k)) g.initializers.delete(k);
}

// ---------------------------------------------------------------------------------------------
// Constant folding + static shape inference for one input size

export interface FoldResult {
  graph: Graph;
  /** Static shape and element type of every value whose shape could be inferred. */
  meta: Map<string, ValueMeta>;
  /** Values with known contents after folding (initializers and folded results). */
  constants: Map<string, OnnxTensor>;
  foldedNodes: number;
}

/**
 * Fixes the graph inputs to `inputShapes`, folds every node whose inputs are all known
 * (small tensors only, so shape arithmetic folds but weights are not duplicated; Shape folds
 * from the static shape of its input) and infers static shapes of all other values.
 * The input graph is not modified.
 */
export function foldAndInferShapes(
  src: Graph,
  inputShapes: ReadonlyMap<string, readonly number[]>,
  opset: number,
): FoldResult {
  const g = src.clone();
  const meta = new Map<string, ValueMeta>();
  const constants = new Map<string, OnnxTensor>(g.initializers);
  for (const t of g.initializers.values()) meta.set(t.name, { shape: [...t.dims], dtype: t.dataType });
  for (const inp of g.inputs) {
    const s = inputShapes.get(inp.name);
    if (s) meta.set(inp.name, { shape: [...s], dtype: inp.elemType });
    else if (inp.shape && inp.shape.every((d) => typeof d === 'number')) {
      meta.set(inp.name, { shape: inp.shape, dtype: inp.elemType });
    }
  }
  const order = topoSort(g.nodes, [...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  const kept: OnnxNode[] = [];
  let folded = 0;
  for (const node of order) {
    const inConsts = node.inputs.map((n) => (n ? constants.get(n) : undefined));
    const inMeta = node.inputs.map((n) => (n ? meta.get(n) : undefined));
    const outs = evaluateConstant(node, inConsts, inMeta, opset);
    if (outs) {
      folded++;
      outs.forEach((t, i) => {
        const name = node.outputs[i];
        if (!name) return;
        const named = { ...t, name };
        constants.set(name, named);
        meta.set(name, { shape: [...t.dims], dtype: t.dataType });
      });
      continue;
    }
    kept.push(node);
    const outMeta = inferNodeShapes(node, inMeta, inConsts, opset);
    outMeta.forEach((m, i) => {
      if (m && node.outputs[i]) meta.set(node.outputs[i], m);
    });
  }
  g.nodes = kept;
  // Materialize the folded values that the remaining graph still reads.
  const read = new Set<string>(g.outputs.map((o) => o.name));
  for (const n of kept) for (const i of n.inputs) if (i) read.add(i);
  for (const name of read) {
    const c = constants.get(name);
    if (c && !g.initializers.has(name)) g.addInitializer(c);
  }
  eliminateDeadCode(g);
  return { graph: g, meta, constants, foldedNodes: folded };
}

/** Renames values everywhere they appear (node inputs/outputs, initializers, graph inputs/outputs). */
export function renameValues(g: Graph, map: ReadonlyMap<string, string>): void {
  if (map.size === 0) return;
  const r = (v: string) => map.get(v) ?? v;
  for (const n of g.nodes) {
    n.inputs = n.inputs.map(r);
    n.outputs = n.outputs.map(r);
  }
  for (const v of [...g.inputs, ...g.outputs]) v.name = r(v.name);
  const inits = [...g.initializers.values()];
  g.initializers.clear();
  for (const t of inits) g.initializers.set(r(t.name), { ...t, name: r(t.name) });
  g.reserve([...map.values()]);
}
