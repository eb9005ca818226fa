/**
 * Compiles SPGD's whole guidance step into one ONNX model: the VP denoiser, the data loss
 * through the operator's ONNX form, and the gradient of that loss with respect to x
 * (docs: spgd-algorithm.md sections 1 and 3).
 *
 *   z = c_in * x,   D = x - sigma * eps(z, t),   r = A(D) - y,   loss = sum(r^2),
 *   g = dloss/dx = J_D^T (2 A^T r)
 *
 * The loss subgraph (`OperatorOnnxForm`, built by each operator's `onnxForm`) is appended to the
 * forward graph and the reverse-mode builder (`grad/backprop.ts`) runs over the whole thing,
 * seeded with dloss/dloss = 1. One session run gives D, loss, g and r, so a guidance step
 * costs one forward and one backward pass (the unfused path, `compileVjpModel`, needs the
 * forward twice because the cotangent is computed outside the model).
 *
 * Model (opset max(17, model opset), static shapes for B images of H x W, B = `batch`, default 1):
 *   inputs  x [B,3,H,W], c_in [1], sigma [1], t [1] (the network's t type), y (A's output shape,
 *           batch 1: every image is compared with the same measurement), and the operator's
 *           data (`form.feeds`: mask, blur kernel, bicubic matrices)
 *   outputs D [B,3,H,W], loss [] (the sum over the batch), g [B,3,H,W], r [B, ...A's output]
 *
 * A batch is K chains of one sampler in lockstep (`lib/diffusion/lockstep.ts`): the images share
 * the noise level and the measurement, and since the loss is a sum of per-image terms, g[k] is
 * image k's own gradient.
 *
 * @example
 * const form = op.onnxForm!(GUIDANCE_OPERATOR_NAMES)!;
 * const { bytes } = compileGuidanceModel(priorBytes, { height: 64, width: 64, operator: form });
 * // feeds: x, c_in, sigma, t, y, ...form.feeds  ->  D, loss, g, r
 */
import { SpgdError } from '../errors';
import { attr, lookup, makeTensor } from './attrs';
import {
  addIdentity,
  checkSize,
  closeGraph,
  gradientModelStats,
  normalizeNames,
  outputModel,
  splitOutputConv,
  type GradientModelStats,
} from './compiled-model';
import { ShapeInferenceError } from './errors';
import { buildGradient } from './grad/backprop';
import { foldAndInferShapes, Graph, type FoldResult } from './graph';
import type { OperatorOnnxForm } from './operator-form';
import { DataType, decodeModel, encodeModel, type OnnxModel, type OnnxNode } from './proto';
import { checkEpsOutput, readEpsSignature, TARGET_OPSET, type EpsSignature } from './signature';

/** Input and output names of a compiled guidance model. */
export const GUIDANCE_IO = {
  x: 'x',
  cIn: 'c_in',
  sigma: 'sigma',
  t: 't',
  y: 'y',
  denoised: 'D',
  loss: 'loss',
  grad: 'g',
  residual: 'r',
} as const;

/** Names to build operator forms with: A reads D, writes `A_D`, and prefixes the rest with `A_`. */
export const GUIDANCE_OPERATOR_NAMES = { input: GUIDANCE_IO.denoised, output: 'A_D', prefix: 'A_' } as const;

export interface GuidanceModelOptions {
  height: number;
  width: number;
  /** The operator's ONNX form, built with `GUIDANCE_OPERATOR_NAMES`. */
  operator: OperatorOnnxForm;
  /** Images per run (default 1). */
  batch?: number;
}

export interface GuidanceReport extends GradientModelStats {
  operatorKey: string;
}

const NETWORK_INPUT = 'z_in';

function n(name: string, opType: string, inputs: string[], outputs: string[], attributes: OnnxNode['attributes'] = []): OnnxNode {
  return { name, opType, domain: '', inputs, outputs, attributes };
}

/** The form's shape with the batch axis set to `batch` (forms are built for one image). */
const batched = (shape: readonly number[], batch: number): number[] => [batch, ...shape.slice(1)];

function checkForm(form: OperatorOnnxForm, imageShape: readonly number[]): void {
  if (form.inShape.length !== 4 || form.inShape[0] !== 1 || form.inShape.some((d, i) => i > 0 && d !== imageShape[i])) {
    throw new SpgdError('BAD_INPUT', `operator form '${form.key}' takes [${form.inShape.join(', ')}], the image is [${imageShape.join(', ')}]`);
  }
  if (form.input !== GUIDANCE_IO.denoised) {
    throw new SpgdError('BAD_INPUT', `operator form must read '${GUIDANCE_IO.denoised}' (build it with GUIDANCE_OPERATOR_NAMES), not '${form.input}'`);
  }
}

/**
 * The forward part on the network's graph: z = c_in * x feeds the network, D = x - sigma * eps,
 * r = A(D) - y, loss = sum(r^2). Returns the network output's name and the eps slice's.
 */
function appendForward(graph: Graph, sig: EpsSignature, form: OperatorOnnxForm, imageShape: number[]): { outName: string; eps: string } {
  graph.outputs = graph.outputs.slice(0, 1);
  const outName = graph.outputs[0].name;
  const f = DataType.FLOAT;
  const tType = sig.tType === 'int64' ? DataType.INT64 : DataType.FLOAT;

  // Inputs: the network's image input becomes an internal value z = c_in * x.
  graph.inputs = graph.inputs.filter((i) => i.name !== NETWORK_INPUT && i.name !== GUIDANCE_IO.t);
  graph.inputs.push(
    { name: GUIDANCE_IO.x, elemType: f, shape: imageShape },
    { name: GUIDANCE_IO.cIn, elemType: f, shape: [1] },
    { name: GUIDANCE_IO.sigma, elemType: f, shape: [1] },
    { name: GUIDANCE_IO.t, elemType: tType, shape: [1] },
    { name: GUIDANCE_IO.y, elemType: f, shape: [...form.outShape] },
    ...form.feeds.map((x) => ({ name: x.name, elemType: f, shape: [...x.dims] })),
  );
  graph.addNode(n(graph.uniqueName('z_Mul'), 'Mul', [GUIDANCE_IO.x, GUIDANCE_IO.cIn], [NETWORK_INPUT]));

  // D = x - sigma * eps (eps = the first 3 output channels).
  const axes = graph.uniqueName('eps_axes');
  const starts = graph.uniqueName('eps_starts');
  const ends = graph.uniqueName('eps_ends');
  graph.addInitializer(makeTensor(axes, DataType.INT64, [1], [1]));
  graph.addInitializer(makeTensor(starts, DataType.INT64, [1], [0]));
  graph.addInitializer(makeTensor(ends, DataType.INT64, [1], [3]));
  const eps = graph.uniqueName('eps3');
  graph.addNode(n(graph.uniqueName('eps_Slice'), 'Slice', [outName, starts, ends, axes], [eps]));
  const scaled = graph.uniqueName('sigma_eps');
  graph.addNode(n(graph.uniqueName('sigma_eps_Mul'), 'Mul', [eps, GUIDANCE_IO.sigma], [scaled]));
  graph.addNode(n(graph.uniqueName('D_Sub'), 'Sub', [GUIDANCE_IO.x, scaled], [GUIDANCE_IO.denoised]));

  // r = A(D) - y, loss = sum(r^2).
  for (const t of form.initializers) graph.addInitializer(t);
  for (const x of form.nodes) graph.addNode({ ...x, inputs: [...x.inputs], outputs: [...x.outputs] });
  graph.addNode(n(graph.uniqueName('r_Sub'), 'Sub', [form.output, GUIDANCE_IO.y], [GUIDANCE_IO.residual]));
  const r2 = graph.uniqueName('r_squared');
  graph.addNode(n(graph.uniqueName('r_squared_Mul'), 'Mul', [GUIDANCE_IO.residual, GUIDANCE_IO.residual], [r2]));
  graph.addNode(n(graph.uniqueName('loss_ReduceSum'), 'ReduceSum', [r2], [GUIDANCE_IO.loss], [attr.int('keepdims', 0)]));
  return { outName, eps };
}

/** Checks the folded shapes of D, r and the loss against the form. */
function checkLossShapes(folded: FoldResult, form: OperatorOnnxForm, batch: number): void {
  const shapeOf = (v: string): readonly number[] => {
    const m = folded.meta.get(v);
    if (!m) throw new ShapeInferenceError(v, 'guidance', `the shape of '${v}' could not be inferred (operator '${form.key}')`);
    return m.shape;
  };
  shapeOf(GUIDANCE_IO.denoised);
  shapeOf(GUIDANCE_IO.loss);
  const rShape = shapeOf(GUIDANCE_IO.residual);
  const declared = batched(form.outShape, batch);
  if (rShape.length !== declared.length || rShape.some((d, i) => d !== declared[i])) {
    throw new SpgdError('BAD_INPUT', `operator form '${form.key}' gives [${rShape.join(', ')}], it declares [${declared.join(', ')}]`);
  }
}

/** Seeds dloss/dloss = 1, emits the backward graph and names dloss/dx 'g'. */
function appendBackward(folded: FoldResult, opset: number, imageShape: number[]): ReturnType<typeof buildGradient> {
  const { graph: g, meta, constants } = folded;
  const f = DataType.FLOAT;
  const seed = g.uniqueName('loss_seed');
  const one = makeTensor(seed, f, [], [1]);
  g.addInitializer(one);
  constants.set(seed, one);
  meta.set(seed, { shape: [], dtype: f });
  const grad = buildGradient(g, meta, constants, opset, { wrt: [GUIDANCE_IO.x], seeds: [{ value: GUIDANCE_IO.loss, grad: seed }] });
  for (const x of grad.nodes) g.addNode(x);
  g.reserve([GUIDANCE_IO.grad]);
  addIdentity(g, lookup(grad.grads, GUIDANCE_IO.x, 'gradients'), GUIDANCE_IO.grad);
  meta.set(GUIDANCE_IO.grad, { shape: imageShape, dtype: f });
  return grad;
}

/**
 * Builds the fused guidance model. Throws UnsupportedOpError when the network (or the
 * operator subgraph) cannot be differentiated, SpgdError('BAD_MODEL'/'BAD_INPUT') for a model
 * that is not an epsilon network or a form that does not fit the size.
 */
export function compileGuidanceModel(
  forwardModel: Uint8Array | OnnxModel,
  opts: GuidanceModelOptions,
): { bytes: Uint8Array; report: GuidanceReport } {
  const t0 = Date.now();
  const { height: H, width: W, operator: form, batch = 1 } = opts;
  checkSize({ height: H, width: W });
  if (!Number.isInteger(batch) || batch < 1) throw new SpgdError('BAD_INPUT', `a guidance model's batch must be a positive integer, got ${batch}`);
  const imageShape = [batch, 3, H, W];
  checkForm(form, imageShape);
  const model = forwardModel instanceof Uint8Array ? decodeModel(forwardModel) : forwardModel;
  const sig = readEpsSignature(model);
  const opset = Math.max(TARGET_OPSET, sig.opset);
  const graph = Graph.fromProto(model.graph);
  const formNames = [
    ...form.nodes.flatMap((x) => [x.name, ...x.outputs]),
    ...form.initializers.map((x) => x.name),
    ...form.feeds.map((x) => x.name),
  ];
  normalizeNames(graph, sig, { x: NETWORK_INPUT, t: GUIDANCE_IO.t, reserved: [...Object.values(GUIDANCE_IO), ...formNames] });
  const forwardNodes = graph.nodes.length;
  const { outName, eps } = appendForward(graph, sig, form, imageShape);

  // Keep the loss subgraph alive through folding (it removes what the outputs do not read).
  graph.outputs = [outName, GUIDANCE_IO.denoised, GUIDANCE_IO.loss, GUIDANCE_IO.residual].map((name) => ({ name, elemType: DataType.FLOAT }));
  const shapes = new Map<string, number[]>(graph.inputs.map((i) => [i.name, i.shape as number[]]));
  const folded = foldAndInferShapes(graph, shapes, opset);
  const g = folded.graph;
  const { channels } = checkEpsOutput(folded.meta, outName, batch, H, W);
  checkLossShapes(folded, form, batch);

  if (channels === 6) {
    // Let the gradient flow through a 3-channel output Conv (see splitOutputConv).
    const slice = g.nodes.find((x) => x.outputs[0] === eps);
    const split = slice ? splitOutputConv(g, folded.meta, folded.constants, outName, [slice]) : null;
    if (slice && split) {
      slice.opType = 'Identity';
      slice.inputs = [split.eps];
    }
  }

  const grad = appendBackward(folded, opset, imageShape);
  g.outputs = [GUIDANCE_IO.denoised, GUIDANCE_IO.loss, GUIDANCE_IO.grad, GUIDANCE_IO.residual].map((name) => ({ name, elemType: DataType.FLOAT }));
  closeGraph(g, folded.meta);
  const bytes = encodeModel({ ...outputModel(model, g, opset), producerName: 'spgd-studio-guidance' });
  return {
    bytes,
    report: {
      ...gradientModelStats({ height: H, width: W, opset, outChannels: channels, forwardNodes, folded, grad, t0 }),
      operatorKey: form.key,
    },
  };
}
