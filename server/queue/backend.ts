/**
 * Where a runner's networks run: `cpu`, `cuda` (ONNX Runtime's CUDA provider, after its
 * documented install step) or `webgpu` (ONNX Runtime's WebGPU provider through Dawn on Vulkan;
 * with a software Vulkan driver such as SwiftShader it runs on the CPU). What `spgd worker
 * --backend` and the embedded runner report, and the probe a worker runs before it takes work.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { OrtEpsModel } from '../../lib/backends/ort-node';
import { SpgdError } from '../../lib/errors';
import { tinyEpsModel } from '../../lib/onnx/test-models';
import { tensor } from '../../lib/tensor';
import type { ServerExecutionProvider } from '../env';

export const RUN_BACKENDS = ['cpu', 'cuda', 'webgpu'] as const;
export type RunBackend = (typeof RUN_BACKENDS)[number];

/** Execution providers for a backend: the GPU ones keep the CPU for ops they lack. */
export function providersFor(backend: RunBackend): ServerExecutionProvider[] {
  return backend === 'cpu' ? ['cpu'] : [backend, 'cpu'];
}

/** What a backend runs on, in a few words (best effort, never throws). */
export function describeDevice(backend: RunBackend, threads = 0): string {
  if (backend === 'cuda') {
    try {
      const names = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] });
      const first = names.split('\n').find((l) => l.trim());
      if (first) return first.trim();
    } catch {
      // no nvidia-smi: say what we know
    }
    return 'CUDA device 0';
  }
  if (backend === 'webgpu') {
    const icd = process.env.VK_ICD_FILENAMES ?? '';
    return /swiftshader/i.test(icd) ? 'SwiftShader (Vulkan on the CPU)' : 'Vulkan GPU (Dawn)';
  }
  const cpus = os.cpus();
  const n = threads > 0 ? threads : os.availableParallelism();
  return `${cpus[0]?.model.trim() ?? 'CPU'} ×${n} thread${n === 1 ? '' : 's'}`;
}

const HINTS: Record<RunBackend, string> = {
  cpu: '',
  cuda: 'install the CUDA provider first (ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js; needs an NVIDIA driver and CUDA 12)',
  webgpu: 'it needs a Vulkan loader (libvulkan.so.1) and a Vulkan driver; without a GPU, point VK_ICD_FILENAMES at a software one such as SwiftShader',
};

/**
 * Opens a small network on the backend and compares one evaluation with the CPU's; resolves
 * with the largest absolute difference. Throws SpgdError BAD_INPUT naming the backend and what
 * to install when ONNX Runtime cannot use it.
 */
export async function probeBackend(backend: RunBackend, threads = 0): Promise<{ maxAbsDiff: number }> {
  const bytes = tinyEpsModel();
  const x = tensor([3, 8, 8], Float32Array.from({ length: 192 }, (_, i) => Math.sin(i)));
  const run = async (providers: ServerExecutionProvider[]) => {
    const m = await OrtEpsModel.create(bytes, { name: `probe-${backend}`, executionProviders: providers, ...(threads ? { intraOpNumThreads: threads } : {}) });
    try {
      return (await m.eps(x, 500)).eps.data;
    } finally {
      await m.release();
    }
  };
  let got: Float32Array;
  try {
    got = await run(providersFor(backend));
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new SpgdError('BAD_INPUT', `backend '${backend}' is not available here: ${msg}${HINTS[backend] ? `; ${HINTS[backend]}` : ''}`);
  }
  const ref = backend === 'cpu' ? got : await run(['cpu']);
  let maxAbsDiff = 0;
  for (let i = 0; i < ref.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(ref[i] - got[i]));
  return { maxAbsDiff };
}
