/**
 * What the compilers of gradient models (`vjp-model.ts`, `gradient-model.ts`, `guidance.ts`)
 * share: input-size checks, renaming the network's inputs, folding at one size, splitting a
 * 6-channel output Conv, closing the graph (typed inputs/outputs, dead code, order), the output
 * model envelope and the report fields.
 */
import { SpgdError } from '../errors';
import { attrInt, numelOf, tensorValues } from './attrs';
import type { buildGradient } from './grad/backprop';
import { eliminateDeadCode, foldAndInferShapes, Graph, renameValues, topoSort, type FoldResult } from './graph';
import { DataType, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from './proto';
import type { ValueMeta } from './shapes';
import type { EpsSignature } from './signature';

/** What every compiled gradient model reports (the VJP model and the fused guidance model). */
export interface GradientModelStats {
  height: number;
  width: number;
  opset: number;
  outChannels: 3 | 6;
  forwardNodes: number;
  foldedNodes: number;
  /** Forward nodes on the x-to-eps path (differentiated). */
  onPathNodes: number;
  /** Forward nodes evaluated but not differentiated (e.g. the timestep embedding). */
  forwardOnlyNodes: number;
  backwardNodes: number;
  /** Op histogram of the emitted backward graph. */
  backwardOps: Record<string, number>;
  compileMs: number;
}

/** The stats every compiled gradient model reports, from what its compiler has at hand. */
export function gradientModelStats(a: {
  height: number;
  width: number;
  opset: number;
  outChannels: 3 | 6;
  forwardNodes: number;
  folded: FoldResult;
  grad: ReturnType<typeof buildGradient>;
  t0: number;
}): GradientModelStats {
  return {
    height: a.height,
    width: a.width,
    opset: a.opset,
    outChannels: a.outChannels,
    forwardNodes: a.forwardNodes,
    foldedNodes: a.folded.foldedNodes,
    onPathNodes: a.grad.analysis.onPath.length,
    forwardOnlyNodes: a.grad.analysis.forwardOnly,
    backwardNodes: a.grad.nodes.length,
    backwardOps: histogram(a.grad.nodes),
    compileMs: Date.now() - a.t0,
  };
}

/** Checks the compiled size (positive integers) and returns the batch (default 1). */
export function checkSize(opts: { height: number; width: number; batch?: number }): number {
  const batch = opts.batch ?? 1;
  for (const [k, v] of [['height', opts.height], ['width', opts.width], ['batch', batch]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new SpgdError('BAD_INPUT', `${k} must be a positive integer, got ${v}`);
  }
  return batch;
}

const RESERVED = ['x', 't', 'v', 'eps', 'eps_extra', 'vjp'];

export interface NormalizeNamesOptions {
  /** Name given to the image input (default 'x'). */
  x?: string;
  /** Name given to the timestep input (default 't'). */
  t?: string;
  /** Names the compiled model will add; any model value using one is renamed out of the way. */
  reserved?: readonly string[];
}

/**
 * Renames the model's inputs to x/t (or `opts.x`/`opts.t`) and moves any other value named like
 * a reserved name (or a target name) out of the way.
 */
export function normalizeNames(graph: Graph, sig: EpsSignature, opts: NormalizeNamesOptions = {}): void {
  const xName = opts.x ?? 'x';
  const tName = opts.t ?? 't';
  const all = new Set<string>();
  for (const n of graph.nodes) for (const v of [...n.inputs, ...n.outputs]) if (v) all.add(v);
  for (const v of [...graph.inputs, ...graph.outputs]) all.add(v.name);
  for (const k of graph.initializers.keys()) all.add(k);
  const targets = new Map([
    [sig.x, xName],
    [sig.t, tName],
  ]);
  const map = new Map<string, string>();
  for (const [from, to] of targets) if (from !== to) map.set(from, to);
  for (const r of new Set([...(opts.reserved ?? RESERVED), xName, tName])) {
    if (!all.has(r) || targets.get(r) === r || map.has(r)) continue;
    let alt = `${r}__orig`;
    for (let k = 1; all.has(alt); k++) alt = `${r}__orig${k}`;
    map.set(r, alt);
    all.add(alt);
  }
  renameValues(graph, map);
}

/** Folds and infers shapes of a graph whose inputs were renamed x/t, at [batch, 3, height, width]. */
export function foldAt(graph: Graph, opset: number, batch: number, height: number, width: number): FoldResult {
  return foldAndInferShapes(
    graph,
    new Map([
      ['x', [batch, 3, height, width]],
      ['t', [batch]],
    ]),
    opset,
  );
}

export function histogram(nodes: readonly OnnxNode[]): Record<string, number> {
  const h: Record<string, number> = {};
  for (const n of nodes) h[n.opType] = (h[n.opType] ?? 0) + 1;
  return Object.fromEntries(Object.entries(h).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

export function valueInfo(name: string, m: ValueMeta): OnnxValueInfo {
  return { name, elemType: m.dtype, shape: [...m.shape] };
}

/** Appends `to = Identity(from)` (how a compiled model names an internal value as its output). */
export function addIdentity(g: Graph, from: string, to: string): void {
  g.addNode({ name: g.uniqueName(`${to}_Identity`), opType: 'Identity', domain: '', inputs: [from], outputs: [to], attributes: [] });
}

/**
 * Gives the graph's inputs and outputs their static shapes (where known), removes what the
 * outputs do not read and puts the nodes in topological order (passes append nodes wherever
 * convenient).
 */
export function closeGraph(g: Graph, meta: ReadonlyMap<string, ValueMeta>): void {
  const typed = (v: OnnxValueInfo) => {
    const m = meta.get(v.name);
    return m ? valueInfo(v.name, m) : v;
  };
  g.outputs = g.outputs.map(typed);
  g.inputs = g.inputs.map(typed);
  eliminateDeadCode(g);
  g.nodes = topoSort(g.nodes, [...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
}

export function outputModel(src: OnnxModel, graph: Graph, opset: number): OnnxModel {
  return {
    irVersion: Math.max(src.irVersion, 8),
    opsetImport: [
      { domain: '', version: opset },
      ...src.opsetImport.filter((o) => o.domain !== '' && o.domain !== 'ai.onnx'),
    ],
    producerName: 'spgd-studio-vjp',
    producerVersion: '1',
    domain: '',
    modelVersion: src.modelVersion,
    docString: '',
    graph: graph.toProto(),
    metadata: [],
  };
}

/**
 * For a 6-channel network whose output comes straight from a Conv with constant weights: splits
 * that Conv into an eps Conv (channels 0..2) and an extra Conv (3..5), so the gradient flows
 * through a 3-output Conv instead of a 6-channel one whose last 3 cotangent channels are zero
 * (half the backward work of that layer; it also keeps 6-input-channel Convs, which the ONNX
 * Runtime 1.30 WebGPU EP computes wrongly, out of the backward graph). `ignore` lists consumers
 * of `outName` the caller rewires. Returns the two new value names, or null (graph unchanged).
 */
export function splitOutputConv(
  g: Graph,
  meta: Map<string, ValueMeta>,
  constants: Map<string, OnnxTensor>,
  outName: string,
  ignore: readonly OnnxNode[] = [],
): { eps: string; extra: string } | null {
  const node = g.nodes.find((n) => n.outputs.includes(outName));
  if (!node || node.opType !== 'Conv' || (node.domain && node.domain !== 'ai.onnx') || node.outputs.length !== 1) return null;
  if (attrInt(node, 'group', 1) !== 1) return null;
  if (g.nodes.some((n) => n !== node && !ignore.includes(n) && n.inputs.includes(outName))) return null;
  const w = constants.get(node.inputs[1]);
  const bName = node.inputs[2] ?? '';
  const b = bName ? constants.get(bName) : undefined;
  if (!w || w.dataType !== DataType.FLOAT || w.dims[0] !== 6 || (bName && !b)) return null;
  const outMeta = meta.get(outName);
  if (!outMeta) return null;
  const per = numelOf(w.dims.slice(1));
  const wv = Float32Array.from(tensorValues(w));
  const bv = b ? Float32Array.from(tensorValues(b)) : null;
  const half = (suffix: string, from: number): string => {
    const add = (base: string, dims: number[], data: Float32Array) => {
      const t: OnnxTensor = { name: g.uniqueName(`${base}_${suffix}`), dataType: DataType.FLOAT, dims, data };
      g.addInitializer(t);
      constants.set(t.name, t);
      meta.set(t.name, { shape: dims, dtype: DataType.FLOAT });
      return t.name;
    };
    const wn = add(node.inputs[1], [3, ...w.dims.slice(1)], wv.slice(from * per, (from + 3) * per));
    const bn = bv ? add(bName, [3], bv.slice(from, from + 3)) : null;
    const out = g.uniqueName(`${outName}_${suffix}`);
    g.addNode({ ...node, name: g.uniqueName(`${node.name}_${suffix}`), inputs: [node.inputs[0], wn, ...(bn ? [bn] : [])], outputs: [out] });
    meta.set(out, { shape: [outMeta.shape[0], 3, ...outMeta.shape.slice(2)], dtype: outMeta.dtype });
    return out;
  };
  const eps = half('eps', 0);
  const extra = half('extra', 3);
  g.nodes = g.nodes.filter((n) => n !== node);
  return { eps, extra };
}
