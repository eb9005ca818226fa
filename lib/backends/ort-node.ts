/**
 * ONNX Runtime (Node) backend for epsilon networks: the only module that imports
 * onnxruntime-node. Everything else (sessions, the EpsModel, VJP and fused guidance models) is
 * shared with the browser backend in `ort-session.ts`.
 *
 * `OrtEpsModel` runs the forward model for `eps(z, t)`, a VJP model compiled by
 * `lib/onnx/vjp-model.ts` for `epsPullback` (one session per (H, W)), and a fused guidance model
 * compiled by `lib/onnx/guidance.ts` for SPGD's data term (one session per operator kind and
 * size; `vpDenoiser` uses it automatically).
 *
 * @example
 * const prior = await OrtEpsModel.create(bytes, { name: 'ffhq' });
 * const { out, vjp } = await prior.epsPullback(z, 500, (o) => v);
 * const denoiser = vpDenoiser(prior); // denoiseWithGrad runs fused for squared-residual losses
 */
import * as ort from 'onnxruntime-node';
import {
  OnnxEpsModel,
  OrtSession as SharedOrtSession,
  runOnnxWith,
  type HostTensor,
  type OrtEpsModelOptions,
  type OrtRuntime,
  type OrtSessionOptions,
} from './ort-session';

export type { HeldSession, HostTensor } from './ort-session';

/** onnxruntime-node as an `OrtRuntime` (CPU by default). */
const nodeRuntime: OrtRuntime = {
  name: 'onnxruntime-node',
  ort,
  providers: ['cpu', 'cuda', 'webgpu'],
  defaultProviders: () => Promise.resolve(['cpu']),
};

/** A thin wrapper over an onnxruntime-node session that speaks HostTensor. */
export const OrtSession = {
  create: (bytes: Uint8Array, opts?: OrtSessionOptions): Promise<SharedOrtSession> => SharedOrtSession.open(nodeRuntime, bytes, opts),
};
export type OrtSession = SharedOrtSession;

/** Runs a model once (creates and releases a session). */
export function runOnnx(bytes: Uint8Array, feeds: Record<string, HostTensor>, opts?: OrtSessionOptions): Promise<Record<string, HostTensor>> {
  return runOnnxWith(nodeRuntime, bytes, feeds, opts);
}

/** An epsilon network run by onnxruntime-node, with compiled VJP and fused guidance models. */
export class OrtEpsModel extends OnnxEpsModel {
  static create(bytes: Uint8Array, opts: OrtEpsModelOptions = {}): Promise<OrtEpsModel> {
    return OrtEpsModel.open(nodeRuntime, bytes, opts);
  }
}
