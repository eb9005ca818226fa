/**
 * The ONNX Runtime backend logic shared by onnxruntime-node (`ort-node.ts`) and
 * onnxruntime-web (`ort-web.ts`): both packages expose the same `InferenceSession` / `Tensor`
 * API (onnxruntime-common), so everything here takes that API as an `OrtRuntime` and imports
 * neither package. Graph compilation (VJP and fused guidance models) is pure TS in `lib/onnx`.
 *
 * `OnnxEpsModel` is the `EpsModel`:
 *   eps(z, t)                    the forward model
 *   epsPullback(z, t, cot)       forward run, cotangent, then the compiled VJP model
 *                                (`compileVjpModel`, one session per image size)
 *   vjp(z, t, v)                 one VJP-model run for a cotangent known in advance
 *   fusedVpLossGrad(x, s, loss)  D, ||A D - y||^2, its gradient and r in one run of the fused
 *                                guidance model (`compileGuidanceModel`, one session per
 *                                operator kind and size); null when the operator has no ONNX form
 *
 * Engine tensors are one image `[3, H, W]`; the batch axis is added and dropped here.
 *
 * @example
 * const prior = await OrtEpsModel.create(bytes);          // ort-node.ts (or OrtWebEpsModel)
 * const denoiser = vpDenoiser(prior);                     // SPGD's guidance now runs fused
 */
import type * as OrtCommon from 'onnxruntime-common';
import type { DenoisedLossDescription, DenoisedWithGrad, EpsModel, EpsOutput, VpScalars } from '../diffusion/types';
import { SpgdError } from '../errors';
import { compileVjpModel, inspectModel, readEpsSignature, type CompileReport, type EpsSignature } from '../onnx/compile';
import { UnsupportedOpError } from '../onnx/errors';
import { compileGuidanceModel, GUIDANCE_IO, GUIDANCE_OPERATOR_NAMES, type GuidanceReport } from '../onnx/guidance';
import { decodeModel, type OnnxModel } from '../onnx/proto';
import type { OperatorOnnxForm } from '../onnx/operator-form';
import type { LinearOperator } from '../operators/types';
import { dot, numel, tensor, type Tensor } from '../tensor';

export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu' | 'wasm';

export interface OrtSessionOptions {
  /** Execution providers in order of preference (default: the runtime's, e.g. ['cpu'] in Node). */
  executionProviders?: ExecutionProvider | readonly ExecutionProvider[];
  intraOpNumThreads?: number;
  /** Let ORT worker threads spin between runs (default false: better when sessions alternate). */
  allowSpinning?: boolean;
  /** ORT graph optimization level (default 'all'). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** ORT's memory-pattern planning of activation buffers (default true). */
  enableMemPattern?: boolean;
  /** Write an ORT profile (per-op timings) for every session, with this file prefix. */
  profileFilePrefix?: string;
}

/** A tensor handed to / returned by ONNX Runtime, without ORT types. */
export interface HostTensor {
  dtype: 'float32' | 'float64' | 'int64' | 'int32' | 'bool';
  dims: number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
}

// ---------------------------------------------------------------------------------------------
// The slice of the onnxruntime API used here (onnxruntime-node and onnxruntime-web both fit)

/** onnxruntime-node and onnxruntime-web both re-export onnxruntime-common's classes. */
export interface OrtApi {
  InferenceSession: typeof OrtCommon.InferenceSession;
  Tensor: typeof OrtCommon.Tensor;
}

/** One onnxruntime package, as the shared code sees it. */
export interface OrtRuntime {
  /** 'onnxruntime-node' or 'onnxruntime-web' (for messages). */
  readonly name: string;
  readonly ort: OrtApi;
  /** Providers this runtime accepts. */
  readonly providers: readonly ExecutionProvider[];
  /** Providers used when the caller names none (may probe the platform, e.g. for WebGPU). */
  defaultProviders(): Promise<readonly ExecutionProvider[]>;
  /** Runtime-specific session options merged over the shared ones. */
  sessionOptions?(o: OrtSessionOptions): Record<string, unknown>;
}

async function resolveSessionOptions(rt: OrtRuntime, o: OrtSessionOptions = {}): Promise<Record<string, unknown>> {
  const eps =
    o.executionProviders === undefined
      ? [...(await rt.defaultProviders())]
      : typeof o.executionProviders === 'string'
        ? [o.executionProviders]
        : [...o.executionProviders];
  for (const ep of eps) {
    if (!rt.providers.includes(ep)) {
      throw new SpgdError('BAD_INPUT', `unknown execution provider '${ep}' for ${rt.name} (use ${rt.providers.join(', ')})`);
    }
  }
  return {
    executionProviders: eps,
    graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
    executionMode: 'sequential',
    enableMemPattern: o.enableMemPattern ?? true,
    enableCpuMemArena: true,
    logSeverityLevel: 3,
    // Sessions (forward, VJP, fused) alternate on every guidance step; spinning worker
    // threads of an idle one would steal cores from the busy one.
    extra: { session: { intra_op: { allow_spinning: o.allowSpinning ? '1' : '0' } } },
    ...(o.intraOpNumThreads ? { intraOpNumThreads: o.intraOpNumThreads } : {}),
    ...(o.profileFilePrefix ? { enableProfiling: true, profileFilePrefix: o.profileFilePrefix } : {}),
    ...(rt.sessionOptions?.(o) ?? {}),
  };
}

/** A thin wrapper over an ORT session that speaks HostTensor. */
export class OrtSession {
  private constructor(
    private readonly rt: OrtRuntime,
    private readonly session: OrtCommon.InferenceSession,
  ) {}

  static async open(rt: OrtRuntime, bytes: Uint8Array, opts?: OrtSessionOptions): Promise<OrtSession> {
    const options = await resolveSessionOptions(rt, opts);
    try {
      return new OrtSession(rt, await rt.ort.InferenceSession.create(bytes, options as OrtCommon.InferenceSession.SessionOptions));
    } catch (e) {
      throw new SpgdError('BAD_MODEL', `ONNX Runtime (${rt.name}) could not load the model: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(feeds: Record<string, HostTensor>, outputs?: string[]): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, OrtCommon.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = new this.rt.ort.Tensor(v.dtype, v.data as never, v.dims);
    const res = outputs ? await this.session.run(ortFeeds, outputs) : await this.session.run(ortFeeds);
    const out: Record<string, HostTensor> = {};
    for (const [k, v] of Object.entries(res)) {
      out[k] = { dtype: v.type as HostTensor['dtype'], dims: [...v.dims], data: v.data as HostTensor['data'] };
    }
    return out;
  }

  /** Ends profiling (when `profileFilePrefix` was set); the profile is written to a file. */
  endProfiling(): void {
    this.session.endProfiling();
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Runs a model once (creates and releases a session). */
export async function runOnnxWith(
  rt: OrtRuntime,
  bytes: Uint8Array,
  feeds: Record<string, HostTensor>,
  opts?: OrtSessionOptions,
): Promise<Record<string, HostTensor>> {
  const s = await OrtSession.open(rt, bytes, opts);
  try {
    return await s.run(feeds);
  } finally {
    await s.release();
  }
}

// ---------------------------------------------------------------------------------------------
// A small LRU of lazily created sessions

/** A cached session and the image size it was compiled for. */
export interface HeldSession {
  key: string;
  height: number;
  width: number;
}

interface CacheEntry {
  session: Promise<OrtSession>;
  height: number;
  width: number;
}

/**
 * Sessions by key, least recently used first out once more than `max` are held. The compile
 * reports are kept apart (they are small), so they outlive the sessions they describe.
 */
class SessionCache<R> {
  private readonly entries = new Map<string, CacheEntry>();
  private readonly compiled = new Map<string, R>();
  constructor(private readonly max: number) {}

  /** The session for `key`; on a miss, `make` compiles the model (a throw rejects the returned promise). */
  get(key: string, size: { height: number; width: number }, make: () => { session: Promise<OrtSession>; report: R }): Promise<OrtSession> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.session;
    }
    const entry: CacheEntry = {
      ...size,
      session: (async () => {
        const made = make();
        this.compiled.set(key, made.report);
        return await made.session;
      })(),
    };
    entry.session.catch(() => this.entries.delete(key));
    this.entries.set(key, entry);
    while (this.entries.size > this.max) {
      const oldKey = this.entries.keys().next().value as string;
      void this.release(oldKey);
    }
    return entry.session;
  }

  report(key: string): R | undefined {
    return this.compiled.get(key);
  }

  reports(prefix: string): Record<string, R | undefined> {
    return Object.fromEntries([...this.compiled.entries()].filter(([k]) => k.startsWith(prefix)).map(([k, r]) => [k.slice(prefix.length), r]));
  }

  /** Held sessions, least recently used first. */
  held(): HeldSession[] {
    return [...this.entries.entries()].map(([key, e]) => ({ key, height: e.height, width: e.width }));
  }

  async release(key: string): Promise<void> {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    await e.session.then((s) => s.release()).catch(() => undefined);
  }

  async releaseAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((k) => this.release(k)));
  }
}

// ---------------------------------------------------------------------------------------------
// The epsilon network

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
  /**
   * Gradient sessions kept (LRU): per-size VJP models and per-(operator, size) fused guidance
   * models together. Default 2. Each holds ONNX Runtime's memory arena for its size.
   */
  maxCachedSizes?: number;
  /** Offer `fusedVpLossGrad` (default true). false: guidance always takes `epsPullback`. */
  fuse?: boolean;
  /**
   * ORT's memory-pattern planning for the gradient sessions (VJP, fused guidance); default
   * false. It lays out their many long-lived activations poorly: at 256 px the fused model's
   * peak RSS is 1.8x as high with it, for the same speed (`bench/results/prior-notes.md`).
   * `enableMemPattern` applies to the forward session.
   */
  gradientMemPattern?: boolean;
}

type ModelCtor<M> = new (
  rt: OrtRuntime,
  model: OnnxModel,
  forward: OrtSession,
  opts: OrtEpsModelOptions,
  sig: EpsSignature,
  outChannels: 3 | 6,
  vjpError?: UnsupportedOpError,
) => M;

/** An epsilon network run by ONNX Runtime, with compiled VJP and fused guidance models. */
export class OnnxEpsModel implements EpsModel {
  readonly name: string;
  readonly outChannels: 3 | 6;
  readonly integerTimesteps: boolean;
  readonly signature: EpsSignature;
  /** VJP ('vjp:HxW') and fused guidance ('guidance:<form key>') sessions, one LRU. */
  private readonly gradientSessions: SessionCache<CompileReport | GuidanceReport>;
  /** The largest image the forward session has run (its arena grows to fit it). */
  private largestForward: { height: number; width: number } | null = null;
  private readonly forms = new WeakMap<LinearOperator, OperatorOnnxForm | null>();
  private readonly vjpError?: UnsupportedOpError;

  constructor(
    private readonly rt: OrtRuntime,
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
    this.gradientSessions = new SessionCache(opts.maxCachedSizes ?? 2);
  }

  /**
   * Loads a model: validates its signature (SpgdError 'BAD_MODEL' naming the problem),
   * creates the forward session, determines the output channels and (by default) checks
   * that the VJP can be compiled. Subclasses call it as `open.call(Subclass, ...)`.
   */
  static async open<M extends OnnxEpsModel>(this: ModelCtor<M>, rt: OrtRuntime, bytes: Uint8Array, opts: OrtEpsModelOptions = {}): Promise<M> {
    const model = decodeModel(bytes);
    const sig = readEpsSignature(model);
    const probe = probeSize(sig);
    const info = inspectModel(model, probe);
    let vjpError: UnsupportedOpError | undefined;
    if (info.nonDifferentiable.length) {
      vjpError = new UnsupportedOpError(info.nonDifferentiable);
      if (opts.requireVjp !== false) throw vjpError;
    }
    const forward = await OrtSession.open(rt, bytes, opts);
    let channels = sig.outChannels ?? info.outChannels;
    if (channels === undefined) {
      // Shapes could not be inferred statically: ask ONNX Runtime.
      const res = await forward.run(feedsFor(sig, new Float32Array(3 * probe.height * probe.width), 1, probe.height, probe.width, 0));
      channels = res[sig.output].dims[1];
    }
    if (channels !== 3 && channels !== 6) {
      await forward.release();
      throw new SpgdError('BAD_MODEL', `output '${sig.output}' has ${channels} channels; an epsilon network outputs 3 or 6`);
    }
    return new this(rt, model, forward, opts, sig, channels, vjpError);
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
    return (await this.epsBatch([z], t))[0];
  }

  /** eps of several images `[3, H, W]` of one size at one timestep, in one forward run. */
  async epsBatch(zs: readonly Tensor[], t: number): Promise<EpsOutput[]> {
    const { h, w } = this.checkBatch(zs, 'z');
    const b = zs.length;
    // Held memory is weighed by pixels: a batch counts as one image B times as tall.
    if (!this.largestForward || b * h * w > this.largestForward.height * this.largestForward.width) this.largestForward = { height: b * h, width: w };
    const res = await this.forward.run(feedsFor(this.signature, stack(zs), b, h, w, this.timestep(t)), [this.signature.output]);
    const out = res[this.signature.output];
    const [ob, c, oh, ow] = out.dims;
    if (ob !== b || c !== this.outChannels || oh !== h || ow !== w) {
      throw new SpgdError('BAD_MODEL', `model '${this.name}' returned [${out.dims.join(', ')}] for ${b} image(s) of ${h}x${w}`);
    }
    const data = out.data as Float32Array;
    const per = c * h * w;
    return zs.map((_, k) => this.split(data.subarray(k * per, (k + 1) * per), h, w));
  }

  /** Checks a batch of images: at least one, all `[3, H, W]` of the same size. */
  private checkBatch(zs: readonly Tensor[], what: string): { h: number; w: number } {
    if (zs.length === 0) throw new SpgdError('BAD_INPUT', `${what}: an empty batch`);
    const { h, w } = this.checkImage(zs[0], what);
    for (const z of zs) {
      if (z.shape.length !== 3 || z.shape[0] !== 3 || z.shape[1] !== h || z.shape[2] !== w) {
        throw new SpgdError('SHAPE_MISMATCH', `${what}: a batch mixes [3, ${h}, ${w}] and [${z.shape.join(', ')}]`);
      }
    }
    return { h, w };
  }

  private gradientSessionOptions(): OrtSessionOptions {
    return { ...this.opts, enableMemPattern: this.opts.gradientMemPattern ?? false };
  }

  /** The compiled VJP session for one size (compiled and created on first use). */
  private vjpSession(h: number, w: number): Promise<OrtSession> {
    if (this.vjpError) return Promise.reject(this.vjpError);
    return this.gradientSessions.get(`vjp:${h}x${w}`, { height: h, width: w }, () => {
      const { bytes, report } = compileVjpModel(this.model, { height: h, width: w });
      return { session: OrtSession.open(this.rt, bytes, this.gradientSessionOptions()), report };
    });
  }

  /** Compiles and loads the VJP model for (height, width) ahead of time; returns its report. */
  async prepare(height: number, width: number): Promise<CompileReport | undefined> {
    await this.vjpSession(height, width);
    return this.gradientSessions.report(`vjp:${height}x${width}`) as CompileReport | undefined;
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
    const feeds = feedsFor({ ...this.signature, x: 'x', t: 't' }, z.data, 1, h, w, this.timestep(t));
    feeds.v = { dtype: 'float32', dims: [1, 3, h, w], data: v.data };
    const res = await session.run(feeds);
    const out: EpsOutput = { eps: tensor([3, h, w], res.eps.data as Float32Array) };
    if ('eps_extra' in res) out.varianceLogit = tensor([3, h, w], res.eps_extra.data as Float32Array);
    return { out, vjp: tensor([3, h, w], res.vjp.data as Float32Array) };
  }

  /**
   * Forward run, `cotangent(out)`, then one VJP-model run (which evaluates the forward again:
   * the cotangent depends on the output, so it cannot be fed to the VJP model in the same run).
   * For SPGD's data term `fusedVpLossGrad` avoids the second forward; with a cotangent known in
   * advance, `vjp` is a single run.
   */
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

  /** The operator's ONNX form (cached per operator), or null when it has none. */
  private formOf(op: LinearOperator): OperatorOnnxForm | null {
    let form = this.forms.get(op);
    if (form === undefined) {
      form = op.onnxForm?.(GUIDANCE_OPERATOR_NAMES) ?? null;
      this.forms.set(op, form);
    }
    return form;
  }

  private guidanceSession(form: OperatorOnnxForm, h: number, w: number, batch = 1): Promise<OrtSession> {
    if (this.vjpError) return Promise.reject(this.vjpError);
    const key = `guidance:${form.key}${batch > 1 ? `:b${batch}` : ''}`;
    return this.gradientSessions.get(key, { height: batch * h, width: w }, () => {
      const { bytes, report } = compileGuidanceModel(this.model, { height: h, width: w, operator: form, batch });
      return { session: OrtSession.open(this.rt, bytes, this.gradientSessionOptions()), report };
    });
  }

  /**
   * The fused guidance step (`compileGuidanceModel`): D = x - sigma eps(c_in x, t),
   * r = A D - y, loss = sum(r^2) and dloss/dx, from one session run. Resolves null (the caller
   * falls back to `epsPullback`) when the loss is not a squared residual, the operator has no
   * ONNX form, or the shapes do not match (the fallback then reports them).
   */
  async fusedVpLossGrad(x: Tensor, s: VpScalars, loss: DenoisedLossDescription): Promise<DenoisedWithGrad | null> {
    return (await this.fusedVpLossGradBatch([x], s, loss))?.[0] ?? null;
  }

  /**
   * The fused guidance step for several images at one noise level against one measurement, in
   * one run of a model compiled for that batch (one model per operator kind, size and batch).
   * Each image's loss is its own sum(r_k^2).
   */
  async fusedVpLossGradBatch(xs: readonly Tensor[], s: VpScalars, loss: DenoisedLossDescription): Promise<DenoisedWithGrad[] | null> {
    // A squared residual is the only loss description there is (DenoisedLossDescription).
    if (this.opts.fuse === false) return null;
    const { h, w } = this.checkBatch(xs, 'x');
    const op = loss.operator;
    const inOk = op.inShape.length === 3 && op.inShape[0] === 3 && op.inShape[1] === h && op.inShape[2] === w;
    const yOk = loss.y.shape.length === op.outShape.length && loss.y.shape.every((d, i) => d === op.outShape[i]);
    if (!inOk || !yOk) return null;
    const form = this.formOf(op);
    if (!form) return null;
    const b = xs.length;
    const session = await this.guidanceSession(form, h, w, b);
    const t = this.timestep(s.t);
    const feeds: Record<string, HostTensor> = {
      [GUIDANCE_IO.x]: { dtype: 'float32', dims: [b, 3, h, w], data: stack(xs) },
      [GUIDANCE_IO.cIn]: { dtype: 'float32', dims: [1], data: Float32Array.of(s.cIn) },
      [GUIDANCE_IO.sigma]: { dtype: 'float32', dims: [1], data: Float32Array.of(s.sigma) },
      [GUIDANCE_IO.t]: timestepTensor(this.signature, t, 1),
      [GUIDANCE_IO.y]: { dtype: 'float32', dims: [...form.outShape], data: loss.y.data },
    };
    for (const f of form.feeds) feeds[f.name] = { dtype: 'float32', dims: [...f.dims], data: f.data };
    const res = await session.run(feeds);
    const image = 3 * h * w;
    const rSize = numel(op.outShape);
    const D = res[GUIDANCE_IO.denoised].data as Float32Array;
    const g = res[GUIDANCE_IO.grad].data as Float32Array;
    const r = res[GUIDANCE_IO.residual].data as Float32Array;
    return xs.map((_, k) => {
      const residual = tensor(op.outShape, r.slice(k * rSize, (k + 1) * rSize));
      return {
        denoised: tensor([3, h, w], D.slice(k * image, (k + 1) * image)),
        // One image: the model's own sum; a batch's loss output is the sum over the images.
        loss: b === 1 ? (res[GUIDANCE_IO.loss].data as Float32Array)[0] : dot(residual, residual),
        grad: tensor([3, h, w], g.slice(k * image, (k + 1) * image)),
        residual,
      };
    });
  }

  /**
   * Compiles and loads the fused guidance model for `op` ahead of time; returns its report,
   * or null when the operator has no ONNX form.
   */
  async prepareGuidance(op: LinearOperator): Promise<GuidanceReport | null> {
    const form = this.formOf(op);
    if (!form) return null;
    const [, h, w] = op.inShape;
    this.checkImage({ shape: [3, h, w], data: new Float32Array(0) }, 'operator input');
    await this.guidanceSession(form, h, w);
    return (this.gradientSessions.report(`guidance:${form.key}`) as GuidanceReport | undefined) ?? null;
  }

  /** Reports of the VJP models compiled so far, by "HxW". */
  compileReports(): Record<string, CompileReport | undefined> {
    return this.gradientSessions.reports('vjp:') as Record<string, CompileReport | undefined>;
  }

  /** Reports of the fused guidance models compiled so far, by operator form key. */
  guidanceReports(): Record<string, GuidanceReport | undefined> {
    return this.gradientSessions.reports('guidance:') as Record<string, GuidanceReport | undefined>;
  }

  /**
   * The gradient sessions held (least recently used first) and the forward session at the
   * largest size it has run ('forward'): what a caller bounding memory weighs.
   */
  heldSessions(): HeldSession[] {
    const forward = this.largestForward ? [{ key: 'forward', ...this.largestForward }] : [];
    return [...this.gradientSessions.held(), ...forward];
  }

  /** Releases one gradient session (compiled again on next use); 'forward' cannot be: release the model. */
  releaseSession(key: string): Promise<void> {
    return this.gradientSessions.release(key);
  }

  async release(): Promise<void> {
    await this.gradientSessions.releaseAll();
    await this.forward.release();
  }
}

function probeSize(sig: EpsSignature): { height: number; width: number } {
  const [, , h, w] = sig.xShape;
  return { height: typeof h === 'number' ? h : 64, width: typeof w === 'number' ? w : 64 };
}

/** The timestep as the network's t input: `batch` copies (the forward model takes t per image). */
function timestepTensor(sig: EpsSignature, t: number, batch: number): HostTensor {
  return sig.tType === 'int64'
    ? { dtype: 'int64', dims: [batch], data: new BigInt64Array(batch).fill(BigInt(Math.round(t))) }
    : { dtype: 'float32', dims: [batch], data: new Float32Array(batch).fill(t) };
}

function feedsFor(sig: EpsSignature, x: Float32Array, batch: number, h: number, w: number, t: number): Record<string, HostTensor> {
  return {
    [sig.x]: { dtype: 'float32', dims: [batch, 3, h, w], data: x },
    [sig.t]: timestepTensor(sig, t, batch),
  };
}

/** Images `[3, H, W]` of one size as one `[B, 3, H, W]` buffer (the first image's own data when B = 1). */
function stack(images: readonly Tensor[]): Float32Array {
  if (images.length === 1) return images[0].data;
  const n = images[0].data.length;
  const out = new Float32Array(images.length * n);
  images.forEach((im, k) => out.set(im.data, k * n));
  return out;
}
