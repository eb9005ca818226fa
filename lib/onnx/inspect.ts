/**
 * Model inspection (`spgd prior inspect`, the editor's model panel, the prior checks at load):
 * inputs/outputs, op histogram, parameter count, FLOPs at one size and the ops that block
 * differentiation. Never throws for a readable model; problems are listed instead.
 */
import { allDefined, attrInt, attrString, numelOf } from './attrs';
import { foldAt, histogram, normalizeNames } from './compiled-model';
import { analyzePath } from './grad/backprop';
import { Graph, type FoldResult } from './graph';
import { dataTypeName, decodeModel, defaultOpset, isFloatType, type OnnxModel, type OnnxNode, type OnnxValueInfo } from './proto';
import { einsumSizes, parseEinsum, type ValueMeta } from './shapes';
import { readEpsSignature, TARGET_OPSET, type EpsSignature } from './signature';

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
      if (!allDefined(ins)) return 0;
      try {
        const spec = parseEinsum(attrString(n, 'equation', ''));
        const sizes = einsumSizes(spec, ins.map((x) => x.shape));
        return 2 * [...sizes.values()].reduce((p, d) => p * d, 1);
      } catch {
        return 0;
      }
    }
    default:
      return 0;
  }
}

/** What can be read from the model without compiling it. */
function describe(model: OnnxModel, opts: { height: number; width: number }): ModelInspection {
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
  return {
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
}

/** Records the path analysis (what blocks differentiation) in `result`. */
function recordPath(result: ModelInspection, a: ReturnType<typeof analyzePath>): void {
  result.nonDifferentiable = a.offenders;
  result.onPathNodes = a.onPath.length;
  result.forwardOnlyNodes = a.forwardOnly;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Describes a model: inputs/outputs, op histogram, parameter count, FLOPs per forward at
 * (height, width) for one image, and the ops that block differentiation with respect to x.
 * Never throws for a readable model; problems are listed in `problems`.
 */
export function inspectModel(bytes: Uint8Array | OnnxModel, opts: { height: number; width: number }): ModelInspection {
  const model = bytes instanceof Uint8Array ? decodeModel(bytes) : bytes;
  const result = describe(model, opts);
  let sig: EpsSignature;
  try {
    sig = readEpsSignature(model);
  } catch (e) {
    result.problems.push(message(e));
    return result;
  }
  result.timestepType = sig.tType;
  const opset = Math.max(TARGET_OPSET, sig.opset);
  const graph = Graph.fromProto(model.graph);
  normalizeNames(graph, sig);
  graph.outputs = graph.outputs.slice(0, 1);
  let folded: FoldResult;
  try {
    folded = foldAt(graph, opset, 1, opts.height, opts.width);
  } catch (e) {
    result.problems.push(message(e));
    // Without static shapes, still list the op types that block differentiation.
    recordPath(result, analyzePath(graph, ['x'], [graph.outputs[0].name]));
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
    recordPath(result, analyzePath(folded.graph, ['x'], [folded.graph.outputs[0].name], { meta, constants: folded.constants, opset }));
  } catch (e) {
    result.problems.push(message(e));
  }
  if (result.nonDifferentiable.length) result.problems.push(`${result.nonDifferentiable.length} op(s) on the x path cannot be differentiated`);
  return result;
}
