import { psnr, ssim } from '../metrics';
import type { Tensor } from '../tensor';

/** PSNR/SSIM of an estimate against the ground truth, for per-step traces; empty without one. */
export function qualityVsTruth(estimate: Tensor, truth: Tensor | undefined): { psnr?: number; ssim?: number } {
  if (!truth) return {};
  return { psnr: psnr(estimate, truth), ssim: ssim(estimate, truth) };
}
