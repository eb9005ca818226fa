/**
 * Gradient models of any ONNX model (not only epsilon networks), for the per-op
 * finite-difference tests (`lib/backends/ort-gradcheck.ts`): one cotangent input per output and
 * one gradient output per differentiated input.
 */
import { SpgdError } from '../errors';
import { lookup } from './attrs';
import { addIdentity, closeGraph, outputModel, valueInfo } from './compiled-model';
import { ShapeInferenceError } from './errors';
import { buildGradient } from './grad/backprop';
import { foldAndInferShapes, Graph } from './graph';
import { decodeModel, defaultOpset, encodeModel } from './proto';
import { MIN_MODEL_OPSET, TARGET_OPSET } from './signature';

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
    addIdentity(g, lookup(res.grads, w, 'gradients'), name);
    grads[w] = name;
    g.outputs.push(valueInfo(name, lookup(meta, w, 'shapes of the inputs')));
  }
  closeGraph(g, meta);
  return { bytes: encodeModel(outputModel(model, g, opset)), cotangents, grads };
}
