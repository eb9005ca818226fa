import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OrtEpsModel } from '../../lib/backends/ort-node';
import { GaussianEpsModel } from '../../lib/diffusion/gaussian-prior';
import { vpDenoiser } from '../../lib/diffusion/vp';
import { SpgdError } from '../../lib/errors';
import type { PriorHandles } from '../../lib/samplers';
import { UsageError } from './errors';

/** The prior shipped with the project (see public/models/spgd-prior-v1.md). */
export const DEFAULT_MODEL = fileURLToPath(new URL('../../public/models/spgd-prior-v1.onnx', import.meta.url));

/** Read an ONNX file and load it with onnxruntime-node; errors name the flag and the file. */
export async function loadOnnxModel(path: string, flag: string): Promise<OrtEpsModel> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`--${flag} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  try {
    return await OrtEpsModel.create(bytes, { name: path });
  } catch (e) {
    if (e instanceof SpgdError) throw new SpgdError(e.code, `--${flag} ${path}: ${e.message}`);
    throw new SpgdError('BAD_MODEL', `--${flag} ${path}: not a usable ONNX model (${(e as Error).message.split('\n')[0]})`);
  }
}

/**
 * --prior: 'default' (the shipped network), a path to an ONNX epsilon network, or 'gaussian',
 * the analytic N(0, 0.5^2) prior (no network, exact gradients) for checking a pipeline in seconds.
 */
export async function loadPrior(spec: string | undefined): Promise<PriorHandles> {
  const name = spec ?? 'default';
  if (name === 'gaussian') {
    const eps = new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' });
    return { eps, denoiser: vpDenoiser(eps) };
  }
  if (name === 'default' && !existsSync(DEFAULT_MODEL)) {
    throw new UsageError(`the default prior ${DEFAULT_MODEL} is missing; pass --prior <model.onnx> or --prior gaussian`);
  }
  const eps = await loadOnnxModel(name === 'default' ? DEFAULT_MODEL : name, 'prior');
  return { eps, denoiser: vpDenoiser(eps) };
}
