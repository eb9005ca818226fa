import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OrtEpsModel } from '../../lib/backends/ort-node';
import { GaussianEpsModel } from '../../lib/diffusion/gaussian-prior';
import type { EpsModel } from '../../lib/diffusion/types';
import { SpgdError } from '../../lib/errors';
import { sha256Hex } from '../../lib/graph/hash';
import type { CompileEnv } from '../../lib/plan/node-run';
import { gaussianPriorReport, priorReport } from '../../lib/plan/prior-report';
import { UsageError } from './errors';

/** The prior shipped with the project (see public/models/spgd-prior-v1.md). */
const DEFAULT_MODEL = fileURLToPath(new URL('../../public/models/spgd-prior-v1.onnx', import.meta.url));

function readModelBytes(path: string, flag: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`--${flag} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

async function openOnnx(bytes: Uint8Array, path: string, flag: string): Promise<OrtEpsModel> {
  try {
    return await OrtEpsModel.create(bytes, { name: path });
  } catch (e) {
    if (e instanceof SpgdError) throw new SpgdError(e.code, `--${flag} ${path}: ${e.message}`);
    throw new SpgdError('BAD_MODEL', `--${flag} ${path}: not a usable ONNX model (${(e as Error).message.split('\n')[0]})`);
  }
}

/** Read an ONNX file and load it with onnxruntime-node; errors name the flag and the file. */
export async function loadOnnxModel(path: string, flag: string): Promise<OrtEpsModel> {
  return openOnnx(readModelBytes(path, flag), path, flag);
}

/** A prior as a graph refers to it, with what the compiler and the executor need of it. */
export interface CliPrior {
  /** The Prior node's `model` param: 'gaussian', 'default' or 'sha256:<hex>' of the file. */
  model: string;
  load(model: string): Promise<EpsModel>;
  inspect: NonNullable<CompileEnv['inspectPrior']>;
}

/**
 * --prior: 'default' (the shipped network), a path to an ONNX epsilon network, or 'gaussian',
 * the analytic N(0, 0.5^2) prior (no network, exact gradients) for checking a pipeline in seconds.
 * The network is opened once, and its errors name the flag and the file.
 */
export async function openPrior(spec: string | undefined): Promise<CliPrior> {
  const name = spec ?? 'default';
  if (name === 'gaussian') {
    const eps = new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' });
    return { model: 'gaussian', load: () => Promise.resolve(eps), inspect: (_m, size) => gaussianPriorReport(size) };
  }
  if (name === 'default' && !existsSync(DEFAULT_MODEL)) {
    throw new UsageError(`the default prior ${DEFAULT_MODEL} is missing; pass --prior <model.onnx> or --prior gaussian`);
  }
  const path = name === 'default' ? DEFAULT_MODEL : name;
  const bytes = readModelBytes(path, 'prior');
  const eps = await openOnnx(bytes, path, 'prior');
  return { model: name === 'default' ? 'default' : `sha256:${sha256Hex(bytes)}`, load: () => Promise.resolve(eps), inspect: (_m, size) => priorReport(bytes, size) };
}
