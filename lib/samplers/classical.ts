/**
 * The classical baseline (no prior network): each operator's own `classicalEstimate` (bicubic
 * upsampling for super-resolution, Tikhonov deconvolution for the blurs, interpolation fill for
 * inpainting; see the operator files), shaped as a one-step sampler so it runs through the same
 * loop, CLI and reports as the diffusion methods.
 *
 * @example
 *   const { sample } = await runSampler(createClassical({}), { operator, measurement: y, rng });
 */
import { z } from 'zod';
import { SpgdError } from '../errors';
import { clip, norm, type Tensor } from '../tensor';
import { residual } from './guidance/likelihood';
import { qualityVsTruth } from './quality';
import { defineSampler, type Sampler, type StepResult } from './types';

export const classicalParams = z.object({
  lambda: z.number().positive().max(10).default(0.02).describe('Tikhonov weight of the deconvolutions'),
  sweeps: z.number().int().min(0).max(5000).default(300).describe('harmonic relaxation sweeps of the inpainting fill'),
});
export type ClassicalParams = z.infer<typeof classicalParams>;

interface ClassicalState {
  x: Tensor | null;
}

function createClassical(input: Partial<ClassicalParams>): Sampler<ClassicalState> {
  const p = classicalParams.parse(input);
  return {
    method: 'classical',
    steps: 1,
    warmStart: false,
    nfe: { forward: 0, vjp: 0 },
    init: () => ({ x: null }),
    step(_state, ctx): Promise<StepResult<ClassicalState>> {
      const { operator } = ctx;
      if (!operator.classicalEstimate) {
        return Promise.reject(new SpgdError('BAD_INPUT', `the ${operator.task} operator has no classical estimate`));
      }
      const x = operator.classicalEstimate(ctx.measurement, p);
      const r = residual(operator, x, ctx.measurement);
      return Promise.resolve({
        state: { x },
        trace: {
          step: 0,
          sigma: 0,
          t: 0,
          stepSize: NaN,
          residualNorm: norm(r),
          gradNorm: NaN,
          admWeights: [],
          conflict: NaN,
          fluctuationRaw: NaN,
          fluctuationAdm: NaN,
          priorStability: NaN,
          nfe: { forward: 0, vjp: 0 },
          ...qualityVsTruth(x, ctx.groundTruth),
        },
      });
    },
    finish: (state) => {
      if (!state.x) throw new Error('classical sampler: finish() before its step ran');
      return clip(state.x, -1, 1);
    },
  };
}

export const classicalSampler = defineSampler({
  id: 'classical',
  title: 'Classical estimate',
  params: classicalParams,
  needs: () => 'none',
  create: (_prior, p) => createClassical(p),
  methods: {
    classical: {
      description: "classical baseline: the operator's own estimate (bicubic, Tikhonov, interpolation fill)",
      defaults: () => ({}),
    },
  },
});
