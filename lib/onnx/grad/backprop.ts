/**
 * Reverse-mode driver: walks the forward graph in reverse topological order, limited to the
 * nodes on a path from the differentiated inputs to the seeded outputs, calls each node's VJP
 * rule and sums fan-out contributions with emitted Add nodes. Nodes that do not depend on the
 * differentiated inputs (e.g. the timestep embedding) stay forward-only.
 *
 * Before anything is emitted every on-path node is checked; all nodes without a rule (or
 * using a variant their rule refuses) are reported together in one UnsupportedOpError.
 * Multi-node patterns (`patterns.ts`, e.g. SiLU) take precedence over the per-op rules.
 */
import { lookup } from '../attrs';
import { ShapeInferenceError, UnsupportedOpError, type OffendingNode } from '../errors';
import type { Graph } from '../graph';
import { isFloatType, type OnnxNode, type OnnxTensor } from '../proto';
import type { ValueMeta } from '../shapes';
import { VJP_RULES } from './index';
import type { VjpContext, VjpRule } from './types';
import { matchPatterns, siluVjp } from './patterns';
import { exposeNormalizationStatistics } from './rewrite';
import { Emit } from './util';
import { topoSort } from '../graph';

export interface PathAnalysis {
  /** Nodes with an input that depends on `wrt` and an output that reaches a target, in topological order. */
  onPath: OnnxNode[];
  /** All values that depend on `wrt` (any element type). */
  dependent: Set<string>;
  /** Values from which a target can be reached. */
  reaching: Set<string>;
  /** On-path nodes that cannot be differentiated. */
  offenders: OffendingNode[];
  /** Nodes that are not on the path (evaluated forward only). */
  forwardOnly: number;
}

function ruleFor(node: OnnxNode): VjpRule | 'zero' | 'unsupported' | undefined {
  if (node.domain && node.domain !== 'ai.onnx') return undefined;
  return Object.prototype.hasOwnProperty.call(VJP_RULES, node.opType) ? VJP_RULES[node.opType] : undefined;
}

/**
 * Which nodes lie between `wrt` and `targets`, and which of them cannot be differentiated.
 * With `meta`/`constants`, per-node rule checks run too (shape-dependent variants).
 */
export function analyzePath(
  graph: Graph,
  wrt: readonly string[],
  targets: readonly string[],
  opts: { meta?: Map<string, ValueMeta>; constants?: Map<string, OnnxTensor>; opset?: number } = {},
): PathAnalysis {
  const order = topoSort(graph.nodes, [...graph.inputs.map((i) => i.name), ...graph.initializers.keys()]);
  // Values that depend on `wrt`. Propagation stops at 'zero' ops (Shape, comparisons...):
  // what is computed from their outputs carries no gradient (e.g. shape arithmetic).
  const dependent = new Set<string>(wrt);
  for (const n of order) {
    if (ruleFor(n) === 'zero') continue;
    if (n.inputs.some((i) => i && dependent.has(i))) for (const o of n.outputs) if (o) dependent.add(o);
  }
  const reaching = new Set<string>(targets);
  for (let k = order.length - 1; k >= 0; k--) {
    const n = order[k];
    if (n.outputs.some((o) => o && reaching.has(o))) for (const i of n.inputs) if (i) reaching.add(i);
  }
  const onPath = order.filter(
    (n) => ruleFor(n) !== 'zero' && n.inputs.some((i) => i && dependent.has(i)) && n.outputs.some((o) => o && reaching.has(o)),
  );
  const offenders: OffendingNode[] = [];
  const differentiable = (v: string) => !!v && dependent.has(v) && reaching.has(v) && isDiffType(v, graph, opts.meta);
  const used = usedValues(graph);
  for (const n of onPath) {
    const rule = ruleFor(n);
    if (rule === undefined) offenders.push({ opType: n.opType, nodeName: n.name, reason: n.domain ? `domain ${n.domain}` : 'no VJP rule' });
    else if (rule === 'unsupported') offenders.push({ opType: n.opType, nodeName: n.name, reason: 'not differentiable' });
    else if (rule !== 'zero' && rule.check && opts.meta) {
      const ctx = makeContext(n, graph, opts.meta, opts.constants ?? new Map<string, OnnxTensor>(), opts.opset ?? 17, differentiable, used, null);
      let reason: string | undefined;
      try {
        reason = rule.check(ctx);
      } catch (e) {
        if (e instanceof ShapeInferenceError) reason = e.message;
        else throw e;
      }
      if (reason) offenders.push({ opType: n.opType, nodeName: n.name, reason });
    }
  }
  return { onPath, dependent, reaching, offenders, forwardOnly: graph.nodes.length - onPath.length };
}

/** Values read by the graph's nodes or outputs. */
function usedValues(graph: Graph): Set<string> {
  const used = new Set(graph.outputs.map((o) => o.name));
  for (const n of graph.nodes) for (const i of n.inputs) if (i) used.add(i);
  return used;
}

function isDiffType(v: string, graph: Graph, meta?: Map<string, ValueMeta>): boolean {
  const m = meta?.get(v);
  if (m) return isFloatType(m.dtype);
  const inp = graph.inputs.find((i) => i.name === v);
  if (inp) return isFloatType(inp.elemType);
  return true;
}

interface GradState {
  outGrads: (string | undefined)[];
  slots: Map<number, string>;
}

function makeContext(
  node: OnnxNode,
  graph: Graph,
  meta: Map<string, ValueMeta>,
  constants: Map<string, OnnxTensor>,
  opset: number,
  differentiable: (v: string) => boolean,
  used: ReadonlySet<string>,
  state: GradState | null,
): VjpContext {
  const metaOf = (v: string): ValueMeta => {
    const m = meta.get(v);
    if (!m) throw new ShapeInferenceError(node.name, node.opType, `the shape of '${v}' is not known statically`);
    return m;
  };
  return {
    node,
    opset,
    input: (i) => node.inputs[i] ?? '',
    output: (i) => node.outputs[i] ?? '',
    outputUsed: (i) => !!node.outputs[i] && used.has(node.outputs[i]),
    needsGrad: (i) => differentiable(node.inputs[i] ?? ''),
    gradOut: (i) => {
      if (!state) throw new Error('gradOut() is not available in check()');
      const g = state.outGrads[i];
      if (g === undefined) throw new Error(`VJP rule for ${node.opType} ('${node.name}') read the gradient of output ${i}, which carries none`);
      return g;
    },
    optionalGradOut: (i) => {
      if (!state) throw new Error('optionalGradOut() is not available in check()');
      return state.outGrads[i];
    },
    gradIn: (i) => {
      if (!state) throw new Error('gradIn() is not available in check()');
      if (!differentiable(node.inputs[i] ?? '')) {
        throw new Error(`VJP rule for ${node.opType} asked for the gradient of input ${i}, which needs none`);
      }
      let name = state.slots.get(i);
      if (!name) {
        name = graph.uniqueName(`${node.name}_Grad/d_${node.inputs[i]}`);
        state.slots.set(i, name);
      }
      return name;
    },
    temp: (name) => graph.uniqueName(`${node.name}_Grad/${name}`),
    shape: (v) => [...metaOf(v).shape],
    dtype: (v) => metaOf(v).dtype,
    constant: (v) => constants.get(v),
  };
}

export interface GradientRequest {
  /** Values to differentiate with respect to (graph inputs). */
  wrt: readonly string[];
  /** Seeded outputs and the names of their cotangents (already available in the graph). */
  seeds: readonly { value: string; grad: string }[];
}

export interface GradientResult {
  /** Backward nodes, in an order that is valid when appended after the forward nodes. */
  nodes: OnnxNode[];
  /** Gradient value name for each `wrt` entry. */
  grads: Map<string, string>;
  analysis: PathAnalysis;
}

/**
 * Emits the backward graph for `req`. The backward nodes are returned, not added to `graph`;
 * forward nodes of `graph` may be replaced by equivalent ones that hand the backward their
 * statistics (`rewrite.ts`). `meta`/`constants` come from `foldAndInferShapes` at the compiled
 * size. Throws UnsupportedOpError (listing all offenders) before emitting anything.
 */
export function buildGradient(
  graph: Graph,
  meta: Map<string, ValueMeta>,
  constants: Map<string, OnnxTensor>,
  opset: number,
  req: GradientRequest,
): GradientResult {
  const targets = req.seeds.map((s) => s.value);
  let analysis = analyzePath(graph, req.wrt, targets, { meta, constants, opset });
  if (analysis.offenders.length) throw new UnsupportedOpError(analysis.offenders);
  if (exposeNormalizationStatistics(graph, meta, constants, analysis.onPath)) analysis = analyzePath(graph, req.wrt, targets, { meta, constants, opset });
  const used = usedValues(graph);
  const differentiable = (v: string) =>
    !!v && analysis.dependent.has(v) && analysis.reaching.has(v) && isDiffType(v, graph, meta);

  const contributions = new Map<string, string[]>();
  const contribute = (v: string, g: string) => {
    const list = contributions.get(v) ?? [];
    list.push(g);
    contributions.set(v, list);
  };
  for (const s of req.seeds) contribute(s.value, s.grad);

  const nodes: OnnxNode[] = [];
  const sumOf = (v: string): string | undefined => {
    const list = contributions.get(v);
    if (!list || list.length === 0) return undefined;
    let acc = list[0];
    for (let k = 1; k < list.length; k++) {
      const out = graph.uniqueName(`${v}_grad_sum`);
      nodes.push({ name: graph.uniqueName(`${v}_grad_sum_Add`), opType: 'Add', domain: '', inputs: [acc, list[k]], outputs: [out], attributes: [] });
      acc = out;
    }
    contributions.set(v, [acc]);
    return acc;
  };
  const zerosFor = (v: string, owner: string): string => {
    const m = meta.get(v);
    if (!m) throw new ShapeInferenceError(owner, 'zeros', `the shape of '${v}' is not known statically`);
    const e = new Emit(makeContext({ name: owner, opType: '', domain: '', inputs: [], outputs: [], attributes: [] }, graph, meta, constants, opset, differentiable, used, null));
    const z = e.zeros(m.shape, m.dtype);
    nodes.push(...e.nodes);
    return z;
  };

  const patterns = matchPatterns(graph.nodes, new Set(graph.outputs.map((o) => o.name)));
  for (let k = analysis.onPath.length - 1; k >= 0; k--) {
    const node = analysis.onPath[k];
    const rule = ruleFor(node);
    if (rule === 'zero' || rule === 'unsupported' || rule === undefined) continue;
    const summed = node.outputs.map((o) => (o ? sumOf(o) : undefined));
    if (summed.every((g) => g === undefined)) continue; // nothing flows back through this node
    const pattern = patterns.get(node.name);
    if (pattern && differentiable(node.inputs[pattern.hIndex])) {
      const state: GradState = { outGrads: summed, slots: new Map() };
      const ctx = makeContext(node, graph, meta, constants, opset, differentiable, used, state);
      nodes.push(...siluVjp(ctx, pattern));
      contribute(node.inputs[pattern.hIndex], lookup(state.slots, pattern.hIndex, `SiLU gradient at '${node.name}'`));
      continue;
    }
    const needs = node.inputs.map((i) => differentiable(i));
    if (!needs.some(Boolean)) continue;
    const outGrads = node.outputs.map((o, i) => {
      if (summed[i]) return summed[i];
      if (!o || !differentiable(o)) return undefined;
      return zerosFor(o, node.name);
    });
    const state: GradState = { outGrads, slots: new Map() };
    const ctx = makeContext(node, graph, meta, constants, opset, differentiable, used, state);
    const emitted = rule.vjp(ctx);
    const produced = new Set(emitted.flatMap((n) => n.outputs));
    needs.forEach((need, i) => {
      if (!need) return;
      const slot = state.slots.get(i);
      if (!slot || !produced.has(slot)) {
        throw new Error(`VJP rule for ${node.opType} ('${node.name}') did not produce the gradient of input ${i}`);
      }
      contribute(node.inputs[i], slot);
    });
    nodes.push(...emitted);
  }

  const grads = new Map<string, string>();
  for (const w of req.wrt) {
    const g = sumOf(w);
    grads.set(w, g ?? zerosFor(w, `${w}_nograd`));
  }
  return { nodes, grads, analysis };
}
