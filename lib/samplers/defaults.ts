import type { TaskName } from '../operators/types';

/**
 * Per-task step sizes. SPGD's eta and DPS's zeta are the paper's ImageNet values
 * (spgd-algorithm.md section 6); they were tuned for the authors' 256x256 networks and must be
 * re-tuned for any other prior: the tuned values belong in presets.
 */
export const TASK_DEFAULTS: Record<TaskName, { spgdEta: number; dpsZeta: number; diffPirLambda: number; diffPirZeta: number }> = {
  'inpaint-random': { spgdEta: 2.5, dpsZeta: 0.5, diffPirLambda: 7, diffPirZeta: 1.0 },
  'inpaint-box': { spgdEta: 2.5, dpsZeta: 0.5, diffPirLambda: 7, diffPirZeta: 1.0 },
  'gaussian-blur': { spgdEta: 1.0, dpsZeta: 0.3, diffPirLambda: 7, diffPirZeta: 0.3 },
  'motion-blur': { spgdEta: 1.0, dpsZeta: 0.3, diffPirLambda: 7, diffPirZeta: 0.3 },
  'sr-x4': { spgdEta: 7, dpsZeta: 0.3, diffPirLambda: 7, diffPirZeta: 0.3 },
};
