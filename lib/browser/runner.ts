/**
 * Runs a compiled plan in the browser (framework-free; the worker in
 * app/editor/browser-runner.worker.ts wires it to `postMessage`): images and model bytes are
 * fetched from the app's own origin (models kept in Cache Storage, 'spgd-models', with download
 * progress), priors are opened with ONNX Runtime Web -- the VJP / fused guidance graphs are
 * compiled here by lib/onnx in pure TS, no server round trip -- and `executePlan` reports the
 * same run events the server sends. Published tensors are posted back so the inspector, step
 * timeline and result panel work without `tensor.get`.
 *
 * @example
 * const runner = new BrowserRunner({ post: (m) => postMessage(m), openModel });
 * await runner.run(request);      // posts 'backend', 'download', 'event', 'tensor', 'done'
 * runner.cancel(request.runId);   // aborts between network calls
 */
import { GaussianEpsModel } from '../diffusion/gaussian-prior';
import type { EpsModel } from '../diffusion/types';
import { isSpgdError, SpgdError } from '../errors';
import { decodeImage, imageToTensor } from '../image';
import { imageSourceUrl } from '../image/source-url';
import { executePlan, type NodeOutputs } from '../plan/execute';
import type { NodeKit } from '../plan/node-run';
import type { RunEventPayload } from '../plan/types';
import type { Tensor } from '../tensor';
import { emptyThroughput, Throughput } from '../plan/throughput';
import { BROWSER_RESOURCE, isResourceError, modelCacheKey, type BackendInfo, type BrowserBackend, type CalibrateRequest, type FromWorker, type ModelSource, type RunRequest } from './protocol';

export const MODEL_CACHE = 'spgd-models';
const DEFAULT_MAX_MODEL_BYTES = 1 << 30;

interface CacheLike {
  match(key: string): Promise<Response | undefined>;
  put(key: string, res: Response): Promise<void>;
}

export interface RunnerDeps {
  post: (m: FromWorker, transfer?: Transferable[]) => void;
  /** The node types' definitions and run code (nodes/runs.ts). */
  kit: NodeKit;
  /** Opens an ONNX epsilon network with the given execution providers. */
  openModel: (bytes: Uint8Array, opts: { name: string; executionProviders: ('webgpu' | 'wasm')[] }) => Promise<EpsModel>;
  /** Probes WebGPU: true when `navigator.gpu.requestAdapter()` gives an adapter. */
  hasWebGpu: () => Promise<boolean>;
  /** wasm threads that will be used (fixed before the first session). */
  threads: () => number;
  fetch?: typeof fetch;
  /** Cache Storage (absent in Node and on insecure origins: models are then fetched each time). */
  openCache?: () => Promise<CacheLike | null>;
  /** Resolves relative URLs (the worker's origin). */
  base?: string;
  /**
   * Measures the backend's speed (nodes/calibrate.ts, injected: lib/ does not import nodes/):
   * fills `t` using `load` for the prior and `groundTruth` as the picture to restore.
   */
  calibrate?: (
    t: Throughput,
    deps: { load: (model: string) => Promise<EpsModel>; groundTruth: Tensor; model: string; sizes: number[]; pullback: boolean; flops: (model: string, size: { height: number; width: number }) => number },
  ) => Promise<unknown>;
  /** FLOPs of a model's forward at a size, from its bytes (lib/plan/prior-report.ts). */
  flops?: (bytes: Uint8Array, size: { height: number; width: number }) => number;
}

/** Default URL of an image source: the bundled samples (and uploads through /api/assets). */
export function imageUrl(source: string): string {
  const url = imageSourceUrl(source);
  if (url === null) throw new SpgdError('BAD_INPUT', `the browser cannot load image source '${source}'`);
  return url;
}

/** Default URL of a prior model: the shipped one from public/, uploads through /api/assets. */
export function modelUrl(model: string): string {
  if (model === 'default') return '/models/spgd-prior-v1.onnx';
  if (/^sha256:[0-9a-f]{64}$/.test(model)) return `/api/assets/${model.slice(7)}`;
  throw new SpgdError('BAD_MODEL', `model must be 'default', 'gaussian' or 'sha256:<hex of an upload>', got '${model}'`);
}

/** The throughput table's backend name for a browser provider ('browser-wasm', 'browser-webgpu'). */
export function browserBackendName(provider: 'webgpu' | 'wasm'): string {
  return `browser-${provider}`;
}

export class BrowserRunner {
  private readonly controllers = new Map<string, AbortController>();
  /** Open priors per provider and model (sessions are expensive: kept across runs). */
  private readonly models = new Map<string, Promise<EpsModel>>();
  /** Node outputs by content key, per provider (a cached Prior holds that provider's sessions). */
  private readonly caches = new Map<string, Map<string, NodeOutputs>>();
  private readonly images = new Map<string, Promise<Tensor>>();
  private webgpu: Promise<boolean> | null = null;

  constructor(private readonly d: RunnerDeps) {}

  cancel(runId: string): void {
    this.controllers.get(runId)?.abort();
  }

  /** Measures this backend's speed for the estimate; posts 'calibrated' then 'done'. */
  async calibrate(req: CalibrateRequest): Promise<void> {
    const { runId } = req;
    const post = (m: FromWorker, transfer?: Transferable[]) => this.d.post(m, transfer);
    const start = Date.now();
    let provider: BackendInfo['provider'] = 'wasm';
    try {
      const calibrateFn = this.d.calibrate;
      const flops = this.d.flops;
      if (!calibrateFn || !flops) throw new Error('this runner cannot calibrate');
      const info = await this.chooseBackend(req.backend, true);
      provider = info.provider;
      const p = info.provider === 'webgpu' ? 'webgpu' : 'wasm';
      const request: RunRequest = { type: 'run', runId, plan: { hash: '', steps: [], nfe: { forward: 0, vjp: 0 }, estimate: { seconds: 0, memoryMB: 0 }, primary: null, models: [req.model] }, backend: req.backend, models: req.models, images: req.images };
      let bytes: Uint8Array | null = null;
      const src: ModelSource = req.models?.[req.model] ?? { url: modelUrl(req.model) };
      const load = async (model: string) => {
        bytes ??= await this.modelBytes(model, src, request, post);
        return this.loadPrior(model, p, request, post);
      };
      const groundTruth = await this.loadImage('sample:default', req.images?.['sample:default']);
      const t = new Throughput(emptyThroughput(browserBackendName(p)));
      await calibrateFn(t, {
        load,
        groundTruth,
        model: req.model,
        sizes: req.sizes,
        // DPS in a tab is rare: its call is priced from the fused one (a shorter calibration).
        pullback: false,
        flops: (_model, size) => (bytes ? flops(bytes, size) : 0),
      });
      post({ type: 'calibrated', runId, provider, throughput: t.toJSON(), seconds: (Date.now() - start) / 1000 });
    } catch (e) {
      post({ type: 'calibrated', runId, provider, throughput: null, error: e instanceof Error ? e.message : String(e), seconds: (Date.now() - start) / 1000 });
    } finally {
      post({ type: 'done', runId });
    }
  }

  private url(u: string): string {
    return this.d.base ? new URL(u, this.d.base).href : u;
  }

  /** `fetch` must be called unbound from its global (an Illegal invocation otherwise). */
  private fetchFn(input: string): Promise<Response> {
    return this.d.fetch ? this.d.fetch(input) : globalThis.fetch(input);
  }

  async run(req: RunRequest): Promise<void> {
    const { runId } = req;
    const ac = new AbortController();
    this.controllers.set(runId, ac);
    const post = (m: FromWorker, transfer?: Transferable[]) => this.d.post(m, transfer);
    const emit = (event: RunEventPayload) => post({ type: 'event', runId, event });
    try {
      const info = await this.chooseBackend(req.backend, req.plan.models.some((m) => m !== 'gaussian'));
      post({ type: 'backend', runId, info });
      const provider = info.provider === 'webgpu' ? 'webgpu' : 'wasm';
      let cache = this.caches.get(provider);
      if (!cache || cache.size > 200) this.caches.set(provider, (cache = new Map<string, NodeOutputs>()));
      await executePlan(
        req.plan,
        this.d.kit,
        {
          loadImage: (source) => this.loadImage(source, req.images?.[source]),
          loadPrior: (model) => this.loadPrior(model, provider, req, post),
        },
        {
          signal: ac.signal,
          cache,
          onEvent: (e) => emit(e.type === 'error' ? resourceError(e) : e),
          store: {
            put: (rec) => {
              // A copy: the executor keeps its tensors (cache, later nodes).
              const data = Float32Array.from(rec.tensor.data);
              post({ type: 'tensor', runId, tensor: { node: rec.node, port: rec.port, step: rec.step, kind: rec.kind, shape: [...rec.tensor.shape], data } }, [data.buffer]);
            },
          },
        },
      );
    } catch (e) {
      // executePlan has already sent 'error' / 'cancelled' for failures inside the plan; this
      // covers failures before it started (backend probing).
      if (!(e instanceof Error && (e.name === 'NodeExecutionError' || e.name === 'CancelledError' || (isSpgdError(e) && e.code === 'CANCELLED')))) {
        const message = e instanceof Error ? e.message : String(e);
        emit(resourceError({ type: 'error', code: e instanceof SpgdError ? e.code : 'INTERNAL', message }));
      }
      // A lost device or exhausted memory leaves sessions unusable: open them again next time.
      if (e instanceof Error && isResourceError(e.message)) this.forgetSessions();
    } finally {
      this.controllers.delete(runId);
      post({ type: 'done', runId });
    }
  }

  private forgetSessions(): void {
    this.models.clear();
    this.caches.clear();
  }

  private async chooseBackend(want: BrowserBackend, needsNetwork: boolean): Promise<BackendInfo> {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
    const wasm: BackendInfo = { provider: 'wasm', threads: this.d.threads(), crossOriginIsolated: isolated };
    if (!isolated) wasm.note = 'the page is not cross-origin isolated: wasm runs on 1 thread';
    if (want === 'wasm') return wasm;
    this.webgpu ??= this.d.hasWebGpu().catch(() => false);
    const gpu = await this.webgpu;
    if (gpu) return { provider: 'webgpu', threads: 1, crossOriginIsolated: isolated };
    if (want === 'webgpu') return { ...wasm, note: 'no WebGPU adapter in this browser: ran on wasm instead' };
    return needsNetwork ? { ...wasm, note: wasm.note ?? 'no WebGPU adapter: using wasm' } : wasm;
  }

  private loadImage(source: string, url?: string): Promise<Tensor> {
    const key = `${source}@${url ?? ''}`;
    let p = this.images.get(key);
    if (!p) {
      p = (async () => {
        const res = await this.fetchFn(this.url(url ?? imageUrl(source)));
        if (!res.ok) throw new SpgdError('BAD_INPUT', `could not fetch image ${source}: HTTP ${res.status}`);
        return imageToTensor(decodeImage(new Uint8Array(await res.arrayBuffer())));
      })();
      p.catch(() => this.images.delete(key));
      this.images.set(key, p);
    }
    return p;
  }

  private loadPrior(model: string, provider: 'webgpu' | 'wasm', req: RunRequest, post: RunnerDeps['post']): Promise<EpsModel> {
    if (model === 'gaussian') return Promise.resolve(new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' }));
    const key = `${provider}:${model}`;
    let p = this.models.get(key);
    if (!p) {
      p = (async () => {
        const src: ModelSource = req.models?.[model] ?? { url: modelUrl(model) };
        const bytes = await this.modelBytes(model, src, req, post);
        try {
          return await this.d.openModel(bytes, { name: model, executionProviders: [provider] });
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          if (provider !== 'webgpu') throw new SpgdError('BAD_MODEL', `ONNX Runtime Web (${provider}) could not open ${model}: ${msg}`);
          // WebGPU could not take it (an op it lacks, an adapter that fails): wasm, and say so.
          this.webgpu = Promise.resolve(false);
          const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
          post({
            type: 'backend',
            runId: req.runId,
            info: { provider: 'wasm', threads: this.d.threads(), crossOriginIsolated: isolated, note: `WebGPU could not open ${model} (${msg.slice(0, 160)}): ran on wasm` },
          });
          try {
            return await this.d.openModel(bytes, { name: model, executionProviders: ['wasm'] });
          } catch (e2) {
            throw new SpgdError('BAD_MODEL', `ONNX Runtime Web could not open ${model}: ${e2 instanceof Error ? e2.message : String(e2)}`);
          }
        }
      })();
      p.catch(() => this.models.delete(key));
      this.models.set(key, p);
    }
    return p;
  }

  /** Model bytes from Cache Storage, else downloaded (with progress) and stored there. */
  private async modelBytes(model: string, src: ModelSource, req: RunRequest, post: RunnerDeps['post']): Promise<Uint8Array> {
    const runId = req.runId;
    const max = req.maxModelBytes ?? DEFAULT_MAX_MODEL_BYTES;
    const url = this.url(src.url);
    const key = modelCacheKey(url, src.sha256);
    const cache = this.d.openCache ? await this.d.openCache().catch(() => null) : null;
    const hit = await cache?.match(key).catch(() => undefined);
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer());
      post({ type: 'download', runId, model, loaded: bytes.length, total: bytes.length, cached: true });
      return bytes;
    }
    const res = await this.fetchFn(url);
    if (!res.ok) throw new SpgdError('BAD_MODEL', `could not fetch model ${model}: HTTP ${res.status}`);
    const lenHeader = res.headers.get('content-length');
    const total = lenHeader ? Number(lenHeader) : null;
    if (total !== null && total > max) throw new SpgdError('BROWSER_RESOURCE', tooLarge(model, total, max));
    let bytes: Uint8Array;
    if (res.body) {
      const reader = res.body.getReader();
      const chunks: Uint8Array[] = [];
      let loaded = 0;
      let lastPost = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.length;
        if (loaded > max) throw new SpgdError('BROWSER_RESOURCE', tooLarge(model, loaded, max));
        const t = Date.now();
        if (t - lastPost > 100) {
          lastPost = t;
          post({ type: 'download', runId, model, loaded, total, cached: false });
        }
      }
      bytes = new Uint8Array(loaded);
      let o = 0;
      for (const c of chunks) {
        bytes.set(c, o);
        o += c.length;
      }
    } else {
      bytes = new Uint8Array(await res.arrayBuffer());
    }
    post({ type: 'download', runId, model, loaded: bytes.length, total: bytes.length, cached: false });
    await cache?.put(key, new Response(bytes.slice().buffer, { headers: { 'content-type': 'application/octet-stream' } })).catch(() => undefined);
    return bytes;
  }
}

function tooLarge(model: string, bytes: number, max: number): string {
  return `model ${model} is ${(bytes / 2 ** 20).toFixed(0)} MiB, more than the browser backend takes (${(max / 2 ** 20).toFixed(0)} MiB): run it on the server`;
}

/** Marks out-of-memory / lost-device errors, with the advice to use the server. */
function resourceError(e: Extract<RunEventPayload, { type: 'error' }>): Extract<RunEventPayload, { type: 'error' }> {
  if (e.code === BROWSER_RESOURCE) return e;
  if (!isResourceError(e.message)) return e;
  return { ...e, code: BROWSER_RESOURCE, message: `the browser ran out of resources (${e.message}); run it on the server instead` };
}
