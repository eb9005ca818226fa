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
import { lookup, makeTensor } from './attrs';
import { addIdentity, checkSize, closeGraph, foldAt, gradientModelStats, normalizeNames, outputModel, splitOutputConv, type GradientModelStats } from './compiled-model';
import { buildGradient } from './grad/backprop';
import { Graph } from './graph';
import { DataType, decodeModel, encodeModel, type OnnxModel } from './proto';
import { checkEpsOutput, readEpsSignature, TARGET_OPSET } from './signature';

export interface CompileOptions {
  height: number;
  width: number;
  batch?: number;
}

export interface CompileReport extends GradientModelStats {
  batch: number;
  /** Original input names (renamed x/t in the compiled model). */
  inputNames: { x: string; t: string };
}

/** eps (and eps_extra) = channel slices of the network output `outName` (or of its split Conv). */
function addEpsOutputs(g: Graph, fold: ReturnType<typeof foldAt>, outName: string, channels: 3 | 6): void {
  const { meta, constants } = fold;
  const addConst = (name: string, values: number[]) => {
    const t = makeTensor(g.uniqueName(name), DataType.INT64, [values.length], values);
    g.addInitializer(t);
    constants.set(t.name, t);
    meta.set(t.name, { shape: [values.length], dtype: DataType.INT64 });
    return t.name;
  };
  const axes = addConst('eps_slice_axes', [1]);
  const addSlice = (name: string, from: number, to: number) =>
    g.addNode({
      name: g.uniqueName(`${name}_Slice`),
      opType: 'Slice',
      domain: '',
      inputs: [outName, addConst(`${name}_starts`, [from]), addConst(`${name}_ends`, [to]), axes],
      outputs: [name],
      attributes: [],
    });
  g.reserve(['eps', 'eps_extra', 'v', 'vjp']);
  const outMeta = lookup(meta, outName, 'shapes');
  const epsMeta = { shape: [outMeta.shape[0], 3, ...outMeta.shape.slice(2)], dtype: outMeta.dtype };
  const split = channels === 6 ? splitOutputConv(g, meta, constants, outName) : null;
  if (channels === 3) addIdentity(g, outName, 'eps');
  else if (split) addIdentity(g, split.eps, 'eps');
  else addSlice('eps', 0, 3);
  meta.set('eps', epsMeta);
  if (channels === 6) {
    if (split) addIdentity(g, split.extra, 'eps_extra');
    else addSlice('eps_extra', 3, 6);
    meta.set('eps_extra', { ...epsMeta, shape: [...epsMeta.shape] });
  }
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
  const folded = foldAt(graph, opset, batch, opts.height, opts.width);
  const g = folded.graph;
  const { meta, constants } = folded;
  const { meta: outMeta, channels } = checkEpsOutput(meta, outName, batch, opts.height, opts.width);
  addEpsOutputs(g, folded, outName, channels);
  const epsShape = [batch, 3, opts.height, opts.width];
  g.inputs.push({ name: 'v', elemType: outMeta.dtype, shape: epsShape });
  meta.set('v', { shape: epsShape, dtype: outMeta.dtype });

  const grad = buildGradient(g, meta, constants, opset, { wrt: ['x'], seeds: [{ value: 'eps', grad: 'v' }] });
  for (const n of grad.nodes) g.addNode(n);
  addIdentity(g, lookup(grad.grads, 'x', 'gradients'), 'vjp');
  meta.set('vjp', { shape: [...epsShape], dtype: outMeta.dtype });

  g.outputs = ['eps', ...(channels === 6 ? ['eps_extra'] : []), 'vjp'].map((name) => ({ name, elemType: outMeta.dtype }));
  closeGraph(g, meta);
  const bytes = encodeModel(outputModel(model, g, opset));
  return {
    bytes,
    report: {
      ...gradientModelStats({ height: opts.height, width: opts.width, opset, outChannels: channels, forwardNodes, folded, grad, t0 }),
      batch,
      inputNames: { x: sig.x, t: sig.t },
    },
  };
}
