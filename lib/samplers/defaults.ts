import type { TaskName } from '../operators/types';

/**
 * Per-task step sizes for the shipped prior (spgd-prior-v1), each the best mean PSNR of a sweep
 * by `bench/tune.ts` on CBSD68 images resized to 128 px (bench/results/tuning-*.md):
 * - SPGD eta and DPS-DDIM eta (N = 1, T = 500, ADM off): 2 images, eta in 0.0625..8. Both
 *   sweeps pick the same values. eta >= 1.5 diverges on the blurs; box inpainting prefers the
 *   smallest eta tried (PSNR rises, SSIM falls as eta drops).
 * - DPS zeta (1000 ancestral steps): 1 image, zeta in 0.1..3.
 * - DiffPIR lambda: 2 images (1 for the blurs), lambda in 0.1..20; DiffPIR's zeta keeps the
 *   paper's values (spgd-algorithm.md section 6).
 * The paper's ImageNet values (eta 2.5 / 2.5 / 1 / 1 / 7) diverge for this prior on box
 * inpainting and over-correct elsewhere.
 */
export const TASK_DEFAULTS: Record<TaskName, { spgdEta: number; dpsDdimEta: number; dpsZeta: number; diffPirLambda: number; diffPirZeta: number }> = {
  'inpaint-random': { spgdEta: 0.5, dpsDdimEta: 0.5, dpsZeta: 1, diffPirLambda: 0.1, diffPirZeta: 1.0 },
  'inpaint-box': { spgdEta: 0.0625, dpsDdimEta: 0.0625, dpsZeta: 1, diffPirLambda: 3, diffPirZeta: 1.0 },
  'gaussian-blur': { spgdEta: 1, dpsDdimEta: 1, dpsZeta: 0.3, diffPirLambda: 7, diffPirZeta: 0.3 },
  'motion-blur': { spgdEta: 1, dpsDdimEta: 1, dpsZeta: 0.3, diffPirLambda: 3, diffPirZeta: 0.3 },
  'sr-x4': { spgdEta: 2, dpsDdimEta: 2, dpsZeta: 1, diffPirLambda: 1, diffPirZeta: 0.3 },
};
