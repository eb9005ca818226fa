/**
 * Blur kernels from a few numbers, for deblurring a photo whose blur is known or guessed:
 *
 * - Gaussian: std sigma (scipy's truncation at 4 sigma, as the Gaussian-blur task builds it);
 * - motion: a straight camera shake of `length` px at `angle` degrees (0 = horizontal, counter-
 *   clockwise): the segment is sampled densely and each sample splatted bilinearly, so lengths
 *   and angles between pixels give a smooth kernel.
 *
 * Both are odd-sized, non-negative and sum to 1 (the form `blur` operators take).
 */
import { tensor, type Tensor } from '../../tensor';
import { gaussianKernel2d, gaussianRadius } from './gaussian-kernel';

export function gaussianKernel(sigma: number): Tensor {
  const size = 2 * gaussianRadius(sigma) + 1;
  return tensor([size, size], gaussianKernel2d(size, sigma));
}

export function lineMotionKernel(length: number, angleDegrees: number): Tensor {
  if (!(length >= 1)) throw new RangeError(`motion length must be at least 1 px, got ${length}`);
  const half = Math.ceil(length / 2) + 1;
  const size = 2 * half + 1;
  const k = new Float32Array(size * size);
  const a = (angleDegrees * Math.PI) / 180;
  const dx = Math.cos(a);
  const dy = -Math.sin(a); // rows grow downwards
  const samples = Math.max(2, Math.ceil(length * 8));
  for (let s = 0; s < samples; s++) {
    const u = (s / (samples - 1) - 0.5) * (length - 1);
    const x = half + u * dx;
    const y = half + u * dy;
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    k[y0 * size + x0] += (1 - fx) * (1 - fy);
    k[y0 * size + x0 + 1] += fx * (1 - fy);
    k[(y0 + 1) * size + x0] += (1 - fx) * fy;
    k[(y0 + 1) * size + x0 + 1] += fx * fy;
  }
  let sum = 0;
  for (const v of k) sum += v;
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return tensor([size, size], k);
}
