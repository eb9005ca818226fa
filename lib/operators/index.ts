/**
 * The operator registry (one entry per task) and the entry points the rest of the engine uses.
 *
 * @example
 * const op = createOperator('gaussian-blur', [3, 256, 256], {}, new Rng(seed, 'operator'));
 * const y = simulateMeasurement(op, x, 0.05, new Rng(seed, 'measurement'));
 * // later, from a stored run:
 * const same = operatorFromState('gaussian-blur', [3, 256, 256], {}, op.state);
 */
import { z } from 'zod';
import { SpgdError } from '../errors';
import type { Rng } from '../rng';
import { numel, type Tensor } from '../tensor';
import { blur } from './blur';
import { gaussianBlur } from './gaussian-blur';
import { inpaint } from './inpaint';
import { inpaintBox } from './inpaint-box';
import { inpaintRandom } from './inpaint-random';
import { motionBlur } from './motion-blur';
import { imageShapeIssue } from './shape';
import { srX2 } from './sr-x2';
import { srX4 } from './sr-x4';
import { TASKS, type LinearOperator, type OperatorDef, type OperatorState, type TaskName } from './types';

export * from './types';

export const OPERATORS: Record<TaskName, OperatorDef<Record<string, unknown>>> = {
  'inpaint-random': inpaintRandom,
  'inpaint-box': inpaintBox,
  'gaussian-blur': gaussianBlur,
  'motion-blur': motionBlur,
  'sr-x4': srX4,
  'sr-x2': srX2,
  inpaint,
  blur,
};

function isTaskName(name: string): name is TaskName {
  return (TASKS as readonly string[]).includes(name);
}

/** The registry entry, or UNKNOWN_TASK naming the valid tasks. */
export function getOperatorDef(task: string): OperatorDef<Record<string, unknown>> {
  if (!isTaskName(task)) {
    throw new SpgdError('UNKNOWN_TASK', `unknown task "${task}" (expected one of: ${TASKS.join(', ')})`);
  }
  return OPERATORS[task];
}

/** Validates params (defaults filled in); BAD_INPUT with the zod issues on failure. */
export function parseOperatorParams(task: string, params: unknown = {}): Record<string, unknown> {
  const def = getOperatorDef(task);
  const r = def.params.safeParse(params ?? {});
  if (!r.success) {
    const err = new SpgdError('BAD_INPUT', `invalid ${task} params: ${z.prettifyError(r.error).replace(/\n/g, '; ')}`);
    (err as Error).cause = r.error;
    throw err;
  }
  return r.data;
}

/** Throws SHAPE_MISMATCH / IMAGE_TOO_SMALL when `inShape` is not usable for `task`. */
export function assertOperatorShape(task: string, inShape: readonly number[], params: unknown = {}): void {
  const def = getOperatorDef(task);
  const generic = imageShapeIssue(inShape);
  if (generic) throw new SpgdError('SHAPE_MISMATCH', `${task}: ${generic}`);
  const reason = def.checkShape(inShape, parseOperatorParams(task, params));
  if (reason) throw new SpgdError(def.shapeErrorCode, reason);
}

/** Builds the operator for `task` on images of shape `[C, H, W]`, drawing randomness from `rng`. */
export function createOperator(task: string, inShape: readonly number[], params: unknown, rng: Rng): LinearOperator {
  const def = getOperatorDef(task);
  const p = parseOperatorParams(task, params);
  assertOperatorShape(task, inShape, p);
  return def.create([...inShape], p, rng);
}

/** Rebuilds an operator from stored state (a run's mask / kernel / box, or a user's .npy). */
export function operatorFromState(
  task: string,
  inShape: readonly number[],
  params: unknown,
  state: OperatorState,
): LinearOperator {
  const def = getOperatorDef(task);
  const p = parseOperatorParams(task, params);
  assertOperatorShape(task, inShape, p);
  if (!def.fromState) throw new SpgdError('BAD_INPUT', `${task} cannot be rebuilt from stored state`);
  return def.fromState([...inShape], p, state);
}

/** y = A x + sigmaY * n, n ~ N(0, I) drawn from `rng` (docs section 1; sigmaY on the [-1, 1] scale). */
export function simulateMeasurement(op: LinearOperator, x: Tensor, sigmaY: number, rng: Rng): Tensor {
  if (!(sigmaY >= 0)) throw new SpgdError('BAD_INPUT', `sigmaY must be >= 0, got ${sigmaY}`);
  const y = op.forward(x);
  const noise = rng.normals(numel(op.outShape));
  const out = new Float32Array(y.data.length);
  for (let i = 0; i < out.length; i++) out[i] = y.data[i] + sigmaY * noise[i];
  return { shape: [...op.outShape], data: out };
}
