/**
 * Compiles the vector-Jacobian product of an epsilon network into one ONNX model.
 *
 * Forward model: `eps(x [B,3,H,W] float, t [B] float|int64)`, first output [B, 3|6, H, W].
 * Compiled model (opset max(17, model opset), static shapes for one (B, H, W)):
 *   inputs  x [B,3,H,W], t [B], v [B,3,H,W]
 *   outputs eps [B,3,H,W]          (first 3 channels of the network output)
 *           eps_extra [B,3,H,W]    (channels 3..5, only for 6-channel networks)
 *           vjp [B,3,H,W]          = d(sum(eps * v))/dx
 * using standard ONNX ops only, so any ONNX Runtime build (node, web, webgpu) can run it.
 *
 * @example
 * const { bytes } = compileVjpModel(modelBytes, { height: 64, width: 64 });
 * // run `bytes` with onnxruntime: feeds { x, t, v } -> { eps, vjp }
 */
import { SpgdError } from '../errors';
import { attrInt, attrString, makeTensor, numelOf, tensorValues } from './attrs';
import { ShapeInferenceError } from './errors';
import { buildGradient, analyzePath } from './grad/backprop';
import { eliminateDeadCode, foldAndInferShapes, Graph, renameValues, topoSort, type FoldResult } from './graph';
import {
  DataType,
  dataTypeName,
  decodeModel,
  defaultOpset,
  encodeModel,
  isFloatType,
  type Dim,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './proto';
import { einsumSizes, parseEinsum, type ValueMeta } from './shapes';

/** The emitted graph's minimum default-domain opset. */
export const TARGET_OPSET = 17;
/** Oldest model opset accepted (attribute/input forms of axes are stable from 13 to 17). */
export const MIN_MODEL_OPSET = 13;

export interface EpsSignature {
  /** Name of the image input x [N, 3, H, W]. */
  x: string;
  /** Name of the timestep input t [N]. */
  t: string;
  /** Element type of t: 'float32' or 'int64'. */
  tType: 'float32' | 'int64';
  /** Name of the first output. */
  output: string;
  xShape: Dim[];
  tShape: Dim[];
  outputShape?: Dim[];
  /** Output channels when the model declares them statically. */
  outChannels?: 3 | 6;
  /** Default-domain opset of the model. */
  opset: number;
}

function shapeText(s?: Dim[]): string {
  return s ? `[${s.map((d) => (d === null ? '?' : d)).join(', ')}]` : 'unknown';
}

/**
 * Checks that a model looks like an epsilon network and finds its inputs/output.
 * Throws SpgdError('BAD_MODEL') naming the problem.
 */
export function readEpsSignature(model: OnnxModel): EpsSignature {
  const opset = defaultOpset(model);
  if (opset < MIN_MODEL_OPSET) {
    throw new SpgdError('BAD_MODEL', `model uses ONNX opset ${opset}; re-export it with opset ${MIN_MODEL_OPSET} or newer (17 recommended)`);
  }
  const g = model.graph;
  const inits = new Set(g.initializers.map((t) => t.name));
  const inputs = g.inputs.filter((i) => !inits.has(i.name));
  if (inputs.length !== 2) {
    throw new SpgdError(
      'BAD_MODEL',
      `an epsilon network takes 2 inputs (x [N,3,H,W] and t [N]); this model takes ${inputs.length}: ${inputs.map((i) => `${i.name} ${shapeText(i.shape)}`).join(', ') || 'none'}`,
    );
  }
  const x = inputs.find((i) => i.shape?.length === 4) ?? inputs[0];
  const t = inputs.find((i) => i !== x)!;
  if (!x.shape || x.shape.length !== 4) {
    throw new SpgdError('BAD_MODEL', `input '${x.name}' must be the image x [N,3,H,W]; its shape is ${shapeText(x.shape)}`);
  }
  if (x.elemType !== DataType.FLOAT) {
    throw new SpgdError('BAD_MODEL', `image input '${x.name}' must be float32, not ${dataTypeName(x.elemType)}`);
  }
  if (typeof x.shape[1] === 'number' && x.shape[1] !== 3) {
    throw new SpgdError('BAD_MODEL', `image input '${x.name}' must have 3 channels; its shape is ${shapeText(x.shape)}`);
  }
  if (t.shape && t.shape.length !== 1) {
    throw new SpgdError('BAD_MODEL', `timestep input '${t.name}' must be a vector t [N]; its shape is ${shapeText(t.shape)}`);
  }
  if (t.elemType !== DataType.FLOAT && t.elemType !== DataType.INT64) {
    throw new SpgdError('BAD_MODEL', `timestep input '${t.name}' must be float32 or int64, not ${dataTypeName(t.elemType)}`);
  }
  const out = g.outputs[0];
  if (!out) throw new SpgdError('BAD_MODEL', 'model has no outputs');
  if (out.elemType && out.elemType !== DataType.FLOAT) {
    throw new SpgdError('BAD_MODEL', `output '${out.name}' must be float32, not ${dataTypeName(out.elemType)}`);
  }
  if (out.shape && out.shape.length !== 4) {
    throw new SpgdError('BAD_MODEL', `output '${out.name}' must be [N, 3 or 6, H, W]; its shape is ${shapeText(out.shape)}`);
  }
  const c = out.shape?.[1];
  if (typeof c === 'number' && c !== 3 && c !== 6) {
    throw new SpgdError('BAD_MODEL', `output '${out.name}' has ${c} channels; an epsilon network outputs 3 (epsilon) or 6 (epsilon + variance)`);
  }
  return {
    x: x.name,
    t: t.name,
    tType: t.elemType === DataType.INT64 ? 'int64' : 'float32',
    output: out.name,
    xShape: x.shape,
    tShape: t.shape ?? [null],
    outputShape: out.shape,
    outChannels: c === 3 || c === 6 ? c : undefined,
    opset,
  };
}

export interface CompileOptions {
  height: number;
  width: number;
  batch?: number;
}

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

export interface CompileReport extends GradientModelStats {
  batch: number;
  /** Original input names (renamed x/t in the compiled model). */
  inputNames: { x: string; t: string };
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

const RESERVED = ['x', 't', 'v', 'eps', 'eps_extra', 'vjp'];

function checkSize(opts: CompileOptions): number {
  const batch = opts.batch ?? 1;
  for (const [k, v] of [['height', opts.height], ['width', opts.width], ['batch', batch]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new SpgdError('BAD_INPUT', `${k} must be a positive integer, got ${v}`);
  }
  return batch;
}

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

function foldAt(graph: Graph, sig: EpsSignature, opset: number, batch: number, height: number, width: number): FoldResult {
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

/** Puts the nodes in topological order (passes append nodes wherever convenient). */
export function sortNodes(g: Graph): void {
  g.nodes = topoSort(g.nodes, [...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
}

/**
 * Builds the VJP model for one static input size (from bytes, or an already decoded model). Throws UnsupportedOpError (naming every
 * offending op and node) when the network cannot be differentiated, SpgdError('BAD_MODEL')
 * when it does not look like an epsilon network or its shapes cannot be inferred.
 */
export function compileVjpModel(
  forwardModelBytes: Uint8Array | OnnxModel,
  opts: CompileOptions,
): { bytes: Uint8Array; report: CompileReport } {
  const t0 = Date.now();
  const batch = checkSize(opts);
  const model = forwardModelBytes instanceof Uint8Array ? decodeModel(forwardModelBytes) : forwardModelBytes;
  const sig = readEpsSignature(model);
  const opset = Math.max(TARGET_OPSET, sig.opset);
  const graph = Graph.fromProto(model.graph);
  normalizeNames(graph, sig);
  const forwardNodes = graph.nodes.length;
  graph.outputs = graph.outputs.slice(0, 1);
  const outName = graph.outputs[0].name;
  const folded = foldAt(graph, sig, opset, batch, opts.height, opts.width);
  const g = folded.graph;
  const { meta, constants } = folded;
  const outMeta = meta.get(outName);
  if (!outMeta) throw new ShapeInferenceError(outName, 'output', `the shape of the output at ${opts.height}x${opts.width} could not be inferred`);
  const [ob, oc, oh, ow] = outMeta.shape;
  if (outMeta.shape.length !== 4 || (oc !== 3 && oc !== 6) || ob !== batch || oh !== opts.height || ow !== opts.width) {
    throw new SpgdError(
      'BAD_MODEL',
      `at input [${batch}, 3, ${opts.height}, ${opts.width}] the output '${outName}' has shape [${outMeta.shape.join(', ')}]; ` +
        `expected [${batch}, 3 or 6, ${opts.height}, ${opts.width}]`,
    );
  }
  const epsShape = [batch, 3, opts.height, opts.width];
  const f = outMeta.dtype;
  // eps (and eps_extra) = channel slices of the network output.
  const addConst = (name: string, values: number[]) => {
    const t = makeTensor(g.uniqueName(name), DataType.INT64, [values.length], values);
    g.addInitializer(t);
    constants.set(t.name, t);
    meta.set(t.name, { shape: [values.length], dtype: DataType.INT64 });
    return t.name;
  };
  const axes = addConst('eps_slice_axes', [1]);
  const sliceNode = (name: string, from: number, to: number): OnnxNode => ({
    name: g.uniqueName(`${name}_Slice`),
    opType: 'Slice',
    domain: '',
    inputs: [outName, addConst(`${name}_starts`, [from]), addConst(`${name}_ends`, [to]), axes],
    outputs: [name],
    attributes: [],
  });
  g.reserve(['eps', 'eps_extra', 'v', 'vjp']);
  const identity = (from: string, to: string): OnnxNode => ({ name: g.uniqueName(`${to}_Identity`), opType: 'Identity', domain: '', inputs: [from], outputs: [to], attributes: [] });
  const split = oc === 6 ? splitOutputConv(g, meta, constants, outName) : null;
  g.addNode(oc === 3 ? identity(outName, 'eps') : split ? identity(split.eps, 'eps') : sliceNode('eps', 0, 3));
  meta.set('eps', { shape: epsShape, dtype: f });
  if (oc === 6) {
    g.addNode(split ? identity(split.extra, 'eps_extra') : sliceNode('eps_extra', 3, 6));
    meta.set('eps_extra', { shape: epsShape, dtype: f });
  }
  g.inputs.push({ name: 'v', elemType: f, shape: epsShape });
  meta.set('v', { shape: epsShape, dtype: f });

  const grad = buildGradient(g, meta, constants, opset, { wrt: ['x'], seeds: [{ value: 'eps', grad: 'v' }] });
  for (const n of grad.nodes) g.addNode(n);
  g.addNode({ name: g.uniqueName('vjp_Identity'), opType: 'Identity', domain: '', inputs: [grad.grads.get('x')!], outputs: ['vjp'], attributes: [] });
  meta.set('vjp', { shape: [batch, 3, opts.height, opts.width], dtype: f });

  g.outputs = ['eps', ...(oc === 6 ? ['eps_extra'] : []), 'vjp'].map((n) => valueInfo(n, meta.get(n)!));
  g.inputs = g.inputs.map((i) => (meta.has(i.name) ? valueInfo(i.name, meta.get(i.name)!) : i));
  eliminateDeadCode(g);
  sortNodes(g);
  const bytes = encodeModel(outputModel(model, g, opset));
  return {
    bytes,
    report: {
      ...gradientModelStats({ height: opts.height, width: opts.width, opset, outChannels: oc as 3 | 6, forwardNodes, folded, grad, t0 }),
      batch,
      inputNames: { x: sig.x, t: sig.t },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Generic gradient models (used by the per-op finite-difference tests)

export interface GradientModelOptions {
  /** Static shape of every graph input. */
  inputShapes: Record<string, number[]>;
  /** Inputs to differentiate with respect to. */
  wrt: string[];
}

export interface GradientModel {
  bytes: Uint8Array;
  /** Cotangent input name for each graph output (`<output>_cot`). */
  cotangents: Record<string, string>;
  /** Gradient output name for each `wrt` input (`<input>_grad`). */
  grads: Record<string, string>;
}

/**
 * For any model: adds one cotangent input per output and one gradient output per `wrt`
 * input, d(sum_k <output_k, cot_k>)/d wrt. Outputs are kept.
 */
export function compileGradientModel(modelBytes: Uint8Array, opts: GradientModelOptions): GradientModel {
  const model = decodeModel(modelBytes);
  if (defaultOpset(model) < MIN_MODEL_OPSET) {
    throw new SpgdError('BAD_MODEL', `model uses ONNX opset ${defaultOpset(model)}; opset ${MIN_MODEL_OPSET} or newer is required`);
  }
  const opset = Math.max(TARGET_OPSET, defaultOpset(model));
  const graph = Graph.fromProto(model.graph);
  const folded = foldAndInferShapes(graph, new Map(Object.entries(opts.inputShapes)), opset);
  const g = folded.graph;
  const { meta, constants } = folded;
  const cotangents: Record<string, string> = {};
  const seeds = g.outputs.map((o) => {
    const m = meta.get(o.name);
    if (!m) throw new ShapeInferenceError(o.name, 'output', 'unknown output shape');
    const c = g.uniqueName(`${o.name}_cot`);
    g.inputs.push(valueInfo(c, m));
    cotangents[o.name] = c;
    return { value: o.name, grad: c };
  });
  const res = buildGradient(g, meta, constants, opset, { wrt: opts.wrt, seeds });
  for (const n of res.nodes) g.addNode(n);
  const grads: Record<string, string> = {};
  for (const w of opts.wrt) {
    const name = g.uniqueName(`${w}_grad`);
    g.addNode({ name: g.uniqueName(`${w}_grad_Identity`), opType: 'Identity', domain: '', inputs: [res.grads.get(w)!], outputs: [name], attributes: [] });
    grads[w] = name;
    g.outputs.push(valueInfo(name, meta.get(w)!));
  }
  g.outputs = g.outputs.map((o) => (meta.has(o.name) ? valueInfo(o.name, meta.get(o.name)!) : o));
  g.inputs = g.inputs.map((i) => (meta.has(i.name) ? valueInfo(i.name, meta.get(i.name)!) : i));
  eliminateDeadCode(g);
  return { bytes: encodeModel(outputModel(model, g, opset)), cotangents, grads };
}

// ---------------------------------------------------------------------------------------------
// Inspection

export interface ModelInspection {
  producer: string;
  opset: number;
  inputs: { name: string; dtype: string; shape: (number | string | null)[] | null }[];
  outputs: { name: string; dtype: string; shape: (number | string | null)[] | null }[];
  /** Op type -> node count (original graph, before folding). */
  opHistogram: Record<string, number>;
  nodeCount: number;
  /** Elements in float initializers (the weights). */
  parameterCount: number;
  /** Elements in float Constant nodes (export-time constants such as normalization ones/zeros). */
  constantElements: number;
  /** Multiply-adds x 2 of Conv/ConvTranspose/Gemm/MatMul/Einsum for one image at the given size. */
  flops: number;
  flopsByOp: Record<string, number>;
  height: number;
  width: number;
  outChannels?: number;
  timestepType?: 'float32' | 'int64';
  /** Ops on the x-to-output path that have no VJP rule (empty when the model is differentiable). */
  nonDifferentiable: { opType: string; nodeName: string; reason?: string }[];
  onPathNodes?: number;
  forwardOnlyNodes?: number;
  /** Why the model is not a usable epsilon network, if it is not. */
  problems: string[];
}

function flopsOf(n: OnnxNode, meta: Map<string, ValueMeta>): number {
  const m = (i: number) => meta.get(n.inputs[i] ?? '');
  const o = meta.get(n.outputs[0] ?? '');
  switch (n.opType) {
    case 'Conv': {
      const w = m(1);
      if (!w || !o) return 0;
      return 2 * numelOf(o.shape) * numelOf(w.shape.slice(1));
    }
    case 'ConvTranspose': {
      const x = m(0);
      const w = m(1);
      if (!x || !w) return 0;
      return 2 * numelOf(x.shape) * numelOf(w.shape.slice(1));
    }
    case 'Gemm': {
      const a = m(0);
      if (!a || !o) return 0;
      const k = attrInt(n, 'transA', 0) ? a.shape[0] : a.shape[1];
      return 2 * numelOf(o.shape) * k;
    }
    case 'MatMul': {
      const a = m(0);
      if (!a || !o) return 0;
      return 2 * numelOf(o.shape) * a.shape[a.shape.length - 1];
    }
    case 'Einsum': {
      const ins = n.inputs.map((_, i) => m(i));
      if (ins.some((x) => !x)) return 0;
      try {
        const spec = parseEinsum(attrString(n, 'equation', ''));
        const sizes = einsumSizes(spec, ins.map((x) => x!.shape));
        return 2 * [...sizes.values()].reduce((p, d) => p * d, 1);
      } catch {
        return 0;
      }
    }
    default:
      return 0;
  }
}

/**
 * Describes a model: inputs/outputs, op histogram, parameter count, FLOPs per forward at
 * (height, width) for one image, and the ops that block differentiation with respect to x.
 * Never throws for a readable model; problems are listed in `problems`.
 */
export function inspectModel(bytes: Uint8Array | OnnxModel, opts: { height: number; width: number }): ModelInspection {
  const model = bytes instanceof Uint8Array ? decodeModel(bytes) : bytes;
  const g = model.graph;
  const inits = new Set(g.initializers.map((t) => t.name));
  const io = (v: OnnxValueInfo) => ({ name: v.name, dtype: dataTypeName(v.elemType), shape: v.shape ?? null });
  let parameterCount = 0;
  let constantElements = 0;
  for (const t of g.initializers) if (isFloatType(t.dataType)) parameterCount += numelOf(t.dims);
  for (const n of g.nodes) {
    if (n.opType !== 'Constant') continue;
    const t = n.attributes.find((a) => a.name === 'value')?.t;
    if (t && isFloatType(t.dataType)) constantElements += numelOf(t.dims);
  }
  const result: ModelInspection = {
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opset: defaultOpset(model),
    inputs: g.inputs.filter((i) => !inits.has(i.name)).map(io),
    outputs: g.outputs.map(io),
    opHistogram: histogram(g.nodes),
    nodeCount: g.nodes.length,
    parameterCount,
    constantElements,
    flops: 0,
    flopsByOp: {},
    height: opts.height,
    width: opts.width,
    nonDifferentiable: [],
    problems: [],
  };
  let sig: EpsSignature;
  try {
    sig = readEpsSignature(model);
  } catch (e) {
    result.problems.push(e instanceof Error ? e.message : String(e));
    return result;
  }
  result.timestepType = sig.tType;
  const opset = Math.max(TARGET_OPSET, sig.opset);
  const graph = Graph.fromProto(g);
  normalizeNames(graph, sig);
  graph.outputs = graph.outputs.slice(0, 1);
  let folded: FoldResult;
  try {
    folded = foldAt(graph, sig, opset, 1, opts.height, opts.width);
  } catch (e) {
    result.problems.push(e instanceof Error ? e.message : String(e));
    // Without static shapes, still list the op types that block differentiation.
    const a = analyzePath(graph, ['x'], [graph.outputs[0].name]);
    result.nonDifferentiable = a.offenders;
    result.onPathNodes = a.onPath.length;
    result.forwardOnlyNodes = a.forwardOnly;
    return result;
  }
  const { meta } = folded;
  for (const n of folded.graph.nodes) {
    const fl = flopsOf(n, meta);
    if (fl) {
      result.flops += fl;
      result.flopsByOp[n.opType] = (result.flopsByOp[n.opType] ?? 0) + fl;
    }
  }
  const out = meta.get(folded.graph.outputs[0].name);
  if (out) result.outChannels = out.shape[1];
  else result.problems.push(`the output shape at ${opts.height}x${opts.width} could not be inferred`);
  try {
    const a = analyzePath(folded.graph, ['x'], [folded.graph.outputs[0].name], { meta, constants: folded.constants, opset });
    result.nonDifferentiable = a.offenders;
    result.onPathNodes = a.onPath.length;
    result.forwardOnlyNodes = a.forwardOnly;
  } catch (e) {
    result.problems.push(e instanceof Error ? e.message : String(e));
  }
  if (result.nonDifferentiable.length) result.problems.push(`${result.nonDifferentiable.length} op(s) on the x path cannot be differentiated`);
  return result;
}
