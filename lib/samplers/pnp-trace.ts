/**
 * The step trace of the samplers that correct the denoised estimate D directly instead of
 * through a network gradient (DiffPIR, DDNM+, DAPS): the prior pull is D - x, the likelihood pull
 * the data step's correction x0 - D (docs/decisions.md, "Diagnostics").
 */
import { angleDegrees } from '../diagnostics/angles';
import { sigmaToTimestep } from '../diffusion/vp';
import { norm, sub, type Tensor } from '../tensor';
import { qualityVsTruth } from './quality';
import type { Nfe, StepTrace } from './types';

/** The pulls a data-step sampler keeps from one step to the next (for the fluctuation angles). */
export interface PullState {
  prevPriorPull?: Tensor;
  prevLikelihoodPull?: Tensor;
}

export interface DataStep {
  /** Loop index of the step. */
  step: number;
  sigma: number;
  /** The step-size-like quantity of the data step (rho_i, lambda_i, the Langevin step). */
  stepSize: number;
  x: Tensor;
  /** D(x, sigma). */
  denoised: Tensor;
  /** The data-corrected estimate. */
  corrected: Tensor;
  /** A D - y. */
  residual: Tensor;
  nfe: Nfe;
}

/** The trace of one data step and the pulls to carry to the next. */
export function dataStepTrace(s: DataStep, prev: PullState, groundTruth: Tensor | undefined): { trace: StepTrace; pulls: Required<PullState> } {
  const priorPull = sub(s.denoised, s.x);
  const likelihoodPull = sub(s.corrected, s.denoised);
  return {
    pulls: { prevPriorPull: priorPull, prevLikelihoodPull: likelihoodPull },
    trace: {
      step: s.step,
      sigma: s.sigma,
      t: sigmaToTimestep(s.sigma),
      stepSize: s.stepSize,
      residualNorm: norm(s.residual),
      gradNorm: norm(likelihoodPull),
      admWeights: [],
      conflict: angleDegrees(priorPull, likelihoodPull),
      fluctuationRaw: prev.prevLikelihoodPull ? angleDegrees(likelihoodPull, prev.prevLikelihoodPull) : NaN,
      fluctuationAdm: NaN,
      priorStability: prev.prevPriorPull ? angleDegrees(priorPull, prev.prevPriorPull) : NaN,
      nfe: { ...s.nfe },
      ...qualityVsTruth(s.denoised, groundTruth),
    },
  };
}
