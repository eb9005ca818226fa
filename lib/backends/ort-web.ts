/**
 * ONNX Runtime Web backend for epsilon networks: the only module that imports
 * onnxruntime-web. Sessions, the EpsModel, the VJP and the fused guidance models are shared with
 * the Node backend (`ort-session.ts`; the graphs are compiled in pure TS by `lib/onnx`).
 *
 * Execution providers: ['webgpu'] when `navigator.gpu` gives an adapter, else ['wasm'] (pass
 * `executionProviders` to choose). Two builds of ONNX Runtime Web serve them: the WebGPU build
 * ('onnxruntime-web/webgpu', asyncify) for the WebGPU EP, the plain wasm build
 * ('onnxruntime-web/wasm') for the wasm EP -- the asyncify build runs wasm threads so slowly
 * that 2 threads are slower than 1 (3x slower than the plain build with 2 threads, see
 * bench/results/browser.md). Each build loads its own .wasm/.mjs (`wasmPaths`) on first use.
 * The wasm thread count (`env.wasm.numThreads`) is fixed before the first session is created:
 * `configureOrtWeb({ numThreads })`, or by default min(4, hardwareConcurrency) where the page is
 * cross-origin isolated (threads need SharedArrayBuffer) and 1 elsewhere.
 *
 * @example
 * configureOrtWeb({ wasmPaths: '/ort/' });           // optional, before the first session
 * const prior = await OrtWebEpsModel.create(bytes);  // WebGPU if available, else wasm
 * const denoiser = vpDenoiser(prior);                // SPGD's guidance runs fused
 */
import * as ortWasm from 'onnxruntime-web/wasm';
import * as ortWebGpu from 'onnxruntime-web/webgpu';
import { SpgdError } from '../errors';
import { OnnxEpsModel, type ExecutionProvider, type OrtEpsModelOptions, type OrtRuntime } from './ort-session';

export interface OrtWebConfig {
  /** wasm threads (default: min(4, hardwareConcurrency) when cross-origin isolated, else 1). */
  numThreads?: number;
  /** Where the .wasm/.mjs files are served from (ort.env.wasm.wasmPaths), when not bundled. */
  wasmPaths?: string;
}

let configured: Required<Pick<OrtWebConfig, 'numThreads'>> | null = null;

interface NavigatorLike {
  hardwareConcurrency?: number;
  gpu?: { requestAdapter(): Promise<unknown> };
}

const nav = (): NavigatorLike | undefined => (globalThis as { navigator?: NavigatorLike }).navigator;

/**
 * Sets the wasm options of both builds; must run before the first session (ONNX Runtime reads
 * them once). Throws when called after sessions exist with a different thread count.
 */
export function configureOrtWeb(c: OrtWebConfig = {}): void {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const numThreads = c.numThreads ?? (isolated ? Math.max(1, Math.min(4, nav()?.hardwareConcurrency ?? 1)) : 1);
  if (configured) {
    if (configured.numThreads !== numThreads) {
      throw new SpgdError('BAD_INPUT', `onnxruntime-web is already set up with ${configured.numThreads} wasm threads; configureOrtWeb must run before the first session`);
    }
    return;
  }
  for (const ort of [ortWasm, ortWebGpu]) {
    ort.env.wasm.numThreads = numThreads;
    if (c.wasmPaths) ort.env.wasm.wasmPaths = c.wasmPaths;
  }
  configured = { numThreads };
}

let providers: Promise<readonly ExecutionProvider[]> | null = null;

/** ['webgpu'] when the platform gives a WebGPU adapter, else ['wasm'] (probed once). */
export function detectWebProviders(): Promise<readonly ExecutionProvider[]> {
  providers ??= (async () => {
    try {
      const adapter = await nav()?.gpu?.requestAdapter();
      return adapter ? (['webgpu'] as const) : (['wasm'] as const);
    } catch {
      return ['wasm'] as const;
    }
  })();
  return providers;
}

/** A build of onnxruntime-web as an `OrtRuntime`. */
function runtime(ort: typeof ortWasm, eps: readonly ExecutionProvider[]): OrtRuntime {
  return {
    name: 'onnxruntime-web',
    ort,
    providers: eps,
    defaultProviders: () => Promise.resolve([eps[0]]),
  };
}

const wasmRuntime = runtime(ortWasm, ['wasm', 'cpu']);
const webGpuRuntime = runtime(ortWebGpu, ['webgpu', 'wasm', 'cpu']);

/** An epsilon network run by onnxruntime-web, with compiled VJP and fused guidance models. */
export class OrtWebEpsModel extends OnnxEpsModel {
  static async create(bytes: Uint8Array, opts: OrtEpsModelOptions = {}): Promise<OrtWebEpsModel> {
    if (!configured) configureOrtWeb();
    const asked = opts.executionProviders;
    const eps = asked === undefined ? await detectWebProviders() : typeof asked === 'string' ? [asked] : asked;
    const rt = eps.includes('webgpu') ? webGpuRuntime : wasmRuntime;
    return OrtWebEpsModel.open(rt, bytes, { ...opts, executionProviders: eps });
  }
}
