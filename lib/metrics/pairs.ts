/**
 * Shared input handling for the full-reference metrics: both tensors in [-1, 1] with the
 * same shape, `[H, W]`, `[C, H, W]` (one image) or `[B, C, H, W]` (a batch: the metric is
 * computed per image, then averaged -- docs: spgd-algorithm.md section 7).
 */
import { SpgdError } from '../errors';
import { sameShape, type Tensor } from '../tensor';

export interface ImagePairs {
  /** Number of images (B, or 1). */
  count: number;
  channels: number;
  height: number;
  width: number;
}

export function imagePairs(x: Tensor, ref: Tensor, metric: string): ImagePairs {
  if (!sameShape(x.shape, ref.shape)) {
    throw new SpgdError(
      'SHAPE_MISMATCH',
      `${metric}: image shape [${x.shape.join(', ')}] differs from the reference's [${ref.shape.join(', ')}]`,
    );
  }
  const s = x.shape;
  if (s.length < 2 || s.length > 4) {
    throw new SpgdError('SHAPE_MISMATCH', `${metric} needs [H, W], [C, H, W] or [B, C, H, W], got [${s.join(', ')}]`);
  }
  const [count, channels, height, width] = s.length === 4 ? s : s.length === 3 ? [1, ...s] : [1, 1, ...s];
  if (count * channels * height * width === 0) {
    throw new SpgdError('IMAGE_TOO_SMALL', `${metric}: the images are empty (shape [${s.join(', ')}])`);
  }
  return { count, channels, height, width };
}

/** (v + 1) / 2 clipped to [0, 1], in float64. NaN stays NaN. */
export function unit(v: number): number {
  const u = (v + 1) / 2;
  return u < 0 ? 0 : u > 1 ? 1 : u;
}
