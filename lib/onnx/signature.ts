/**
 * What makes a model an epsilon network `eps(x [N,3,H,W] float, t [N] float|int64)` with output
 * [N, 3|6, H, W]: reading the signature from a decoded model, and checking the output at a
 * compiled size. Every failure is an SpgdError('BAD_MODEL') naming the problem.
 */
import { SpgdError } from '../errors';
import { ShapeInferenceError } from './errors';
import { DataType, dataTypeName, defaultOpset, type Dim, type OnnxModel } from './proto';
import type { ValueMeta } from './shapes';

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
  const t = inputs[0] === x ? inputs[1] : inputs[0];
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
  if (g.outputs.length === 0) throw new SpgdError('BAD_MODEL', 'model has no outputs');
  const out = g.outputs[0];
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

/**
 * The inferred shape of the network output `outName` at input [batch, 3, height, width]:
 * checks that it is [batch, 3 or 6, height, width] and returns its metadata and channel count.
 */
export function checkEpsOutput(
  meta: ReadonlyMap<string, ValueMeta>,
  outName: string,
  batch: number,
  height: number,
  width: number,
): { meta: ValueMeta; channels: 3 | 6 } {
  const m = meta.get(outName);
  if (!m) throw new ShapeInferenceError(outName, 'output', `the shape of the output at ${height}x${width} could not be inferred`);
  const [ob, oc, oh, ow] = m.shape;
  if (m.shape.length !== 4 || (oc !== 3 && oc !== 6) || ob !== batch || oh !== height || ow !== width) {
    throw new SpgdError(
      'BAD_MODEL',
      `at input [${batch}, 3, ${height}, ${width}] the output '${outName}' has shape [${m.shape.join(', ')}]; ` +
        `expected [${batch}, 3 or 6, ${height}, ${width}]`,
    );
  }
  return { meta: m, channels: oc };
}
