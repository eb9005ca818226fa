import type { TaskName } from '../operators/types';

/**
 * Per-task step sizes. SPGD's eta is tuned for the shipped prior (spgd-prior-v1) by
 * `bench/tune.ts` (bench/results/tuning-spgd-eta.md: best PSNR over eta in 0.25..8, 2 CBSD68
 * images at 128 px -- a first pass, to be redone on more images at 256 px). The paper's ImageNet
 * values (2.5 / 2.5 / 1 / 1 / 7) diverge for this prior on box inpainting. DPS's zeta and
 * DiffPIR's lambda/zeta are still the papers' values (spgd-algorithm.md section 6).
 */
export const TASK_DEFAULTS: Record<TaskName, { spgdEta: number; dpsZeta: number; diffPirLambda: number; diffPirZeta: number }> = {
  'inpaint-random': { spgdEta: 0.5, dpsZeta: 0.5, diffPirLambda: 7, diffPirZeta: 1.0 },
  'inpaint-box': { spgdEta: 0.25, dpsZeta: 0.5, diffPirLambda: 7, diffPirZeta: 1.0 },
  'gaussian-blur': { spgdEta: 1, dpsZeta: 0.3, diffPirLambda: 7, diffPirZeta: 0.3 },
  'motion-blur': { spgdEta: 1, dpsZeta: 0.3, diffPirLambda: 7, diffPirZeta: 0.3 },
  'sr-x4': { spgdEta: 2, dpsZeta: 0.3, diffPirLambda: 7, diffPirZeta: 0.3 },
};
