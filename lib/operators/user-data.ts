/**
 * A user's own mask or blur kernel (an upload, a painted mask), checked and brought into the form
 * the operators take, with a reason when it cannot be one.
 *
 *   mask:   [H, W] (or [C, H, W], averaged over C), kept where >= 0.5 -> 1, else 0 (missing);
 *           or a photo's own pure-black pixels (every channel at or below an 8-bit level) missing
 *   kernel: [kh, kw], negatives clipped to 0, normalised to sum 1, an even side padded with a
 *           zero row / column to odd (the operators centre odd kernels), at most 127 px a side
 *           and at most 4:1
 */
import { SpgdError } from '../errors';
import type { Tensor } from '../tensor';

const MAX_KERNEL_SIZE = 127;

/** [H, W] from [H, W] or [C, H, W] (channel mean). */
function plane(t: Tensor, what: string): Tensor {
  if (t.shape.length === 2) return t;
  if (t.shape.length === 3 && t.shape[0] >= 1) {
    const [c, h, w] = t.shape;
    const out = new Float32Array(h * w);
    for (let k = 0; k < c; k++) for (let p = 0; p < h * w; p++) out[p] += t.data[k * h * w + p] / c;
    return { shape: [h, w], data: out };
  }
  throw new SpgdError('BAD_INPUT', `a ${what} must be 2-D [H, W], got [${t.shape.join(', ')}]`);
}

function assertFinite(t: Tensor, what: string): void {
  for (const v of t.data) if (!Number.isFinite(v)) throw new SpgdError('BAD_INPUT', `the ${what} contains NaN or Inf`);
}

/** A 0/1 inpainting mask (1 = kept); refuses masks that keep nothing or miss nothing. */
export function maskFromArray(t: Tensor): Tensor {
  const m = plane(t, 'mask');
  assertFinite(m, 'mask');
  const data = Float32Array.from(m.data, (v) => (v >= 0.5 ? 1 : 0));
  const kept = data.reduce((a, b) => a + b, 0);
  if (kept === 0) throw new SpgdError('BAD_INPUT', 'the mask is all black: it keeps no pixel (white = kept, black = missing)');
  if (kept === data.length) throw new SpgdError('BAD_INPUT', 'the mask is all white: no pixel is missing, so there is nothing to inpaint');
  return { shape: [...m.shape], data };
}

/** The mask of a [C, H, W] image in [-1, 1] whose pixels at or below `level` (0..255) on every channel are missing. */
export function blackPixelMask(image: Tensor, level = 0): Tensor {
  const [c, h, w] = image.shape;
  // 8-bit level l is (2 l / 255 - 1) on the engine's scale; half a step of slack for rounding.
  const cut = (2 * (level + 0.5)) / 255 - 1;
  const data = new Float32Array(h * w).fill(0);
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < c; k++) {
      if (image.data[k * h * w + p] > cut) {
        data[p] = 1;
        break;
      }
    }
  }
  return maskFromArray({ shape: [h, w], data });
}

/** A blur kernel the operators take: non-negative, sums to 1, odd sides. */
export function kernelFromArray(t: Tensor): Tensor {
  const k = plane(t, 'kernel');
  assertFinite(k, 'kernel');
  const [kh, kw] = k.shape;
  if (kh < 1 || kw < 1) throw new SpgdError('BAD_INPUT', 'the kernel is empty');
  if (kh > MAX_KERNEL_SIZE || kw > MAX_KERNEL_SIZE) {
    throw new SpgdError('BAD_INPUT', `the kernel is ${kw}x${kh} px; at most ${MAX_KERNEL_SIZE}x${MAX_KERNEL_SIZE} is supported`);
  }
  if (Math.max(kh, kw) > 4 * Math.min(kh, kw)) throw new SpgdError('BAD_INPUT', `a ${kw}x${kh} kernel is not square enough (at most 4:1)`);
  const oh = kh % 2 === 1 ? kh : kh + 1;
  const ow = kw % 2 === 1 ? kw : kw + 1;
  const out = new Float32Array(oh * ow);
  let sum = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const v = Math.max(0, k.data[i * kw + j]);
      out[i * ow + j] = v;
      sum += v;
    }
  }
  if (!(sum > 0)) throw new SpgdError('BAD_INPUT', 'the kernel has no positive weight (all zero or negative)');
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return { shape: [oh, ow], data: out };
}
