/**
 * ONNX Runtime (Node) backend for epsilon networks: the only module that imports
 * onnxruntime-node.
 *
 * `OrtEpsModel` runs the forward model for `eps(z, t)` and, for `epsPullback`, a VJP model
 * compiled by `lib/onnx/compile.ts` for the image size at hand (one session per (H, W),
 * created once and reused). Engine tensors are one image `[3, H, W]`; the batch axis is added
 * and dropped here.
 *
 * @example
 * const prior = await OrtEpsModel.create(bytes, { name: 'ffhq' });
 * const { out, vjp } = await prior.epsPullback(z, 500, (o) => v);
 */
import * as ort from 'onnxruntime-node';
import type { EpsModel, EpsOutput } from '../diffusion/types';
import { SpgdError } from '../errors';
import { compileVjpModel, inspectModel, readEpsSignature, type CompileReport, type EpsSignature } from '../onnx/compile';
import { UnsupportedOpError } from '../onnx/errors';
import { decodeModel, type OnnxModel } from '../onnx/proto';
import { tensor, type Tensor } from '../tensor';

export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu';

export interface OrtSessionOptions {
  /** Execution providers in order of preference (default ['cpu']). */
  executionProviders?: ExecutionProvider | readonly ExecutionProvider[];
  intraOpNumThreads?: number;
  /** Let ORT worker threads spin between runs (default false: better when sessions alternate). */
  allowSpinning?: boolean;
}

/** A tensor handed to / returned by ONNX Runtime, without ORT types. */
export interface HostTensor {
  dtype: 'float32' | 'float64' | 'int64' | 'int32' | 'bool';
  dims: number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
}

function sessionOptions(o: OrtSessionOptions = {}): ort.InferenceSession.SessionOptions {
  const eps = o.executionProviders === undefined ? ['cpu'] : typeof o.executionProviders === 'string' ? [o.executionProviders] : [...o.executionProviders];
  for (const ep of eps) {
    if (ep !== 'cpu' && ep !== 'cuda' && ep !== 'webgpu') {
      throw new SpgdError('BAD_INPUT', `unknown execution provider '${ep}' (use cpu, cuda or webgpu)`);
    }
  }
  return {
    executionProviders: eps,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // Two sessions (forward and VJP) alternate on every guidance step; spinning worker
    // threads of the idle one would steal cores from the busy one.
    extra: { session: { intra_op: { allow_spinning: o.allowSpinning ? '1' : '0' } } },
    ...(o.intraOpNumThreads ? { intraOpNumThreads: o.intraOpNumThreads } : {}),
  };
}

/** A thin wrapper over an ORT session that speaks HostTensor. */
export class OrtSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(bytes: Uint8Array, opts?: OrtSessionOptions): Promise<OrtSession> {
    try {
      return new OrtSession(await ort.InferenceSession.create(bytes, sessionOptions(opts)));
    } catch (e) {
      if (e instanceof SpgdError) throw e;
      throw new SpgdError('BAD_MODEL', `ONNX Runtime could not load the model: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(feeds: Record<string, HostTensor>, outputs?: string[]): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = new ort.Tensor(v.dtype, v.data as never, v.dims);
    const res = outputs ? await this.session.run(ortFeeds, outputs) : await this.session.run(ortFeeds);
    const out: Record<string, HostTensor> = {};
    for (const [k, v] of Object.entries(res)) {
      out[k] = { dtype: v.type as HostTensor['dtype'], dims: [...v.dims], data: v.data as HostTensor['data'] };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Runs a model once (creates and releases a session). */
export async function runOnnx(bytes: Uint8Array, feeds: Record<string, HostTensor>, opts?: OrtSessionOptions): Promise<Record<string, HostTensor>> {
  const s = await OrtSession.create(bytes, opts);
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

export interface OrtEpsModelOptions extends OrtSessionOptions {
  name?: string;
  /**
   * Round t before feeding it. Defaults to true when the model's t input is int64
   * (then t is always rounded), false for float t.
   */
  integerTimesteps?: boolean;
  /**
   * Check at load time that the network can be differentiated with respect to x
   * (throws UnsupportedOpError naming every offending op). Default true. With false, only
   * `eps` is usable and `epsPullback` throws that error before running anything.
   */
  requireVjp?: boolean;
  /** Number of per-size VJP sessions kept (least recently used are released). Default 4. */
  maxCachedSizes?: number;
}

interface VjpEntry {
  session: Promise<OrtSession>;
  report?: CompileReport;
}

/** An epsilon network run by onnxruntime-node, with a compiled VJP for likelihood guidance. */
export class OrtEpsModel implements EpsModel {
  readonly name: string;
  readonly outChannels: 3 | 6;
  readonly integerTimesteps: boolean;
  readonly signature: EpsSignature;
  private readonly vjpSessions = new Map<string, VjpEntry>();
  private readonly vjpError?: UnsupportedOpError;

  private constructor(
    private readonly model: OnnxModel,
    private readonly forward: OrtSession,
    private readonly opts: OrtEpsModelOptions,
    sig: EpsSignature,
    outChannels: 3 | 6,
    vjpError?: UnsupportedOpError,
  ) {
    this.name = opts.name ?? (model.graph.name || 'onnx-model');
    this.signature = sig;
    this.outChannels = outChannels;
    this.integerTimesteps = sig.tType === 'int64' || opts.integerTimesteps === true;
    this.vjpError = vjpError;
  }

  /**
   * Loads a model: validates its signature (SpgdError 'BAD_MODEL' naming the problem),
   * creates the forward session, determines the output channels and (by default) checks
   * that the VJP can be compiled.
   */
  static async create(bytes: Uint8Array, opts: OrtEpsModelOptions = {}): Promise<OrtEpsModel> {
    const model = decodeModel(bytes);
    const sig = readEpsSignature(model);
    const probe = probeSize(sig);
    const info = inspectModel(model, probe);
    let vjpError: UnsupportedOpError | undefined;
    if (info.nonDifferentiable.length) {
      vjpError = new UnsupportedOpError(info.nonDifferentiable);
      if (opts.requireVjp !== false) throw vjpError;
    }
    const forward = await OrtSession.create(bytes, opts);
    let channels = sig.outChannels ?? info.outChannels;
    if (channels === undefined) {
      // Shapes could not be inferred statically: ask ONNX Runtime.
      const res = await forward.run(feedsFor(sig, new Float32Array(3 * probe.height * probe.width), probe.height, probe.width, 0));
      channels = res[sig.output].dims[1];
    }
    if (channels !== 3 && channels !== 6) {
      await forward.release();
      throw new SpgdError('BAD_MODEL', `output '${sig.output}' has ${channels} channels; an epsilon network outputs 3 or 6`);
    }
    return new OrtEpsModel(model, forward, opts, sig, channels, vjpError);
  }

  private checkImage(z: Tensor, what: string): { h: number; w: number } {
    if (z.shape.length !== 3 || z.shape[0] !== 3) {
      throw new SpgdError('SHAPE_MISMATCH', `${what} must be one image [3, H, W], got [${z.shape.join(', ')}]`);
    }
    const [, h, w] = z.shape;
    const [, , sh, sw] = this.signature.xShape;
    if ((typeof sh === 'number' && sh !== h) || (typeof sw === 'number' && sw !== w)) {
      throw new SpgdError('SHAPE_MISMATCH', `model '${this.name}' takes ${sh}x${sw} images, got ${h}x${w}`);
    }
    return { h, w };
  }

  private timestep(t: number): number {
    if (!Number.isFinite(t)) throw new SpgdError('BAD_INPUT', `timestep must be finite, got ${t}`);
    return this.integerTimesteps ? Math.round(t) : t;
  }

  private split(data: Float32Array, h: number, w: number): EpsOutput {
    const n = 3 * h * w;
    const eps = tensor([3, h, w], data.slice(0, n));
    return this.outChannels === 6 ? { eps, varianceLogit: tensor([3, h, w], data.slice(n, 2 * n)) } : { eps };
  }

  async eps(z: Tensor, t: number): Promise<EpsOutput> {
    const { h, w } = this.checkImage(z, 'z');
    const res = await this.forward.run(feedsFor(this.signature, z.data, h, w, this.timestep(t)), [this.signature.output]);
    const out = res[this.signature.output];
    const [b, c, oh, ow] = out.dims;
    if (b !== 1 || c !== this.outChannels || oh !== h || ow !== w) {
      throw new SpgdError('BAD_MODEL', `model '${this.name}' returned [${out.dims.join(', ')}] for a ${h}x${w} image`);
    }
    return this.split(out.data as Float32Array, h, w);
  }

  /** The compiled VJP session for one size (compiled and created on first use). */
  private vjpSession(h: number, w: number): Promise<OrtSession> {
    if (this.vjpError) return Promise.reject(this.vjpError);
    const key = `${h}x${w}`;
    const hit = this.vjpSessions.get(key);
    if (hit) {
      this.vjpSessions.delete(key);
      this.vjpSessions.set(key, hit);
      return hit.session;
    }
    const entry: VjpEntry = { session: Promise.resolve(null as unknown as OrtSession) };
    entry.session = (async () => {
      const { bytes, report } = compileVjpModel(this.model, { height: h, width: w });
      entry.report = report;
      return OrtSession.create(bytes, this.opts);
    })();
    entry.session.catch(() => this.vjpSessions.delete(key));
    this.vjpSessions.set(key, entry);
    const max = this.opts.maxCachedSizes ?? 4;
    while (this.vjpSessions.size > max) {
      const [oldKey, old] = this.vjpSessions.entries().next().value as [string, VjpEntry];
      this.vjpSessions.delete(oldKey);
      old.session.then((s) => s.release()).catch(() => undefined);
    }
    return entry.session;
  }

  /** Compiles and loads the VJP model for (height, width) ahead of time; returns its report. */
  async prepare(height: number, width: number): Promise<CompileReport | undefined> {
    await this.vjpSession(height, width);
    return this.vjpSessions.get(`${height}x${width}`)?.report;
  }

  /**
   * One VJP-model run: eps(z, t) and J_eps(z)^T v for a cotangent known in advance
   * (what `spgd prior vjp` needs).
   */
  async vjp(z: Tensor, t: number, v: Tensor): Promise<{ out: EpsOutput; vjp: Tensor }> {
    const { h, w } = this.checkImage(z, 'z');
    this.checkImage(v, 'cotangent v');
    if (v.shape[1] !== h || v.shape[2] !== w) {
      throw new SpgdError('SHAPE_MISMATCH', `cotangent v is [${v.shape.join(', ')}], the image is [3, ${h}, ${w}]`);
    }
    const session = await this.vjpSession(h, w);
    const feeds = feedsFor({ ...this.signature, x: 'x', t: 't' }, z.data, h, w, this.timestep(t));
    feeds.v = { dtype: 'float32', dims: [1, 3, h, w], data: v.data };
    const res = await session.run(feeds);
    const out: EpsOutput = { eps: tensor([3, h, w], (res.eps.data as Float32Array).slice()) };
    if (res.eps_extra) out.varianceLogit = tensor([3, h, w], (res.eps_extra.data as Float32Array).slice());
    return { out, vjp: tensor([3, h, w], (res.vjp.data as Float32Array).slice()) };
  }

  async epsPullback(z: Tensor, t: number, cotangent: (out: EpsOutput) => Tensor): Promise<{ out: EpsOutput; vjp: Tensor }> {
    const { h, w } = this.checkImage(z, 'z');
    // Compile (once per size) before running anything, so a model that cannot be
    // differentiated fails here and not after the forward pass.
    await this.vjpSession(h, w);
    const out = await this.eps(z, t);
    const v = cotangent(out);
    const { vjp } = await this.vjp(z, t, v);
    return { out, vjp };
  }

  /** Reports of the VJP models compiled so far, by "HxW". */
  compileReports(): Record<string, CompileReport | undefined> {
    return Object.fromEntries([...this.vjpSessions.entries()].map(([k, e]) => [k, e.report]));
  }

  async release(): Promise<void> {
    const sessions = [...this.vjpSessions.values()].map((e) => e.session);
    this.vjpSessions.clear();
    await Promise.all(sessions.map((p) => p.then((s) => s.release()).catch(() => undefined)));
    await this.forward.release();
  }
}

function probeSize(sig: EpsSignature): { height: number; width: number } {
  const [, , h, w] = sig.xShape;
  return { height: typeof h === 'number' ? h : 64, width: typeof w === 'number' ? w : 64 };
}

function feedsFor(sig: EpsSignature, x: Float32Array, h: number, w: number, t: number): Record<string, HostTensor> {
  return {
    [sig.x]: { dtype: 'float32', dims: [1, 3, h, w], data: x },
    [sig.t]:
      sig.tType === 'int64'
        ? { dtype: 'int64', dims: [1], data: BigInt64Array.of(BigInt(Math.round(t))) }
        : { dtype: 'float32', dims: [1], data: Float32Array.of(t) },
  };
}
