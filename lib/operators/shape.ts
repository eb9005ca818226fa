/**
 * Shape helpers shared by the operator files.
 */
import { SpgdError } from '../errors';
import { assertShape, type Tensor } from '../tensor';

/** null when `shape` is `[C, H, W]` of positive integers, else the reason. */
export function imageShapeIssue(shape: readonly number[]): string | null {
  if (shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    return `expected an image shape [C, H, W] of positive integers, got [${shape.join(', ')}]`;
  }
  return null;
}

/** "HxW" of a `[C, H, W]` shape, for messages. */
export const hw = (shape: readonly number[]): string => `${shape[1]}x${shape[2]}`;

/** Throws SHAPE_MISMATCH when `t` does not have `shape`. */
export function expectShape(t: Tensor, shape: readonly number[], what: string): void {
  try {
    assertShape(t, shape, what);
  } catch (e) {
    throw new SpgdError('SHAPE_MISMATCH', (e as Error).message);
  }
}

/** Validates a stored `[H, W]` mask / `[k, k]` kernel against the expected dims. */
export function expectStateTensor(t: Tensor | undefined, shape: readonly number[], task: string, what: string): Tensor {
  if (!t) throw new SpgdError('BAD_INPUT', `${task}: the stored state has no ${what}`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new SpgdError(
      'SHAPE_MISMATCH',
      `${task}: ${what} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`,
    );
  }
  for (let i = 0; i < t.data.length; i++) {
    if (!Number.isFinite(t.data[i])) throw new SpgdError('BAD_INPUT', `${task}: ${what} contains NaN or Inf`);
  }
  return t;
}
