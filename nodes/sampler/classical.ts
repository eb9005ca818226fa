import { z } from 'zod';
import { classicalParams } from '../../lib/samplers/classical';
import { defineNode } from '../define';
import { ESTIMATE_OUTPUTS, inferRestored, MEASUREMENT_INPUTS } from './sampler-ports';

/** The classical baseline: the operator's own estimate, no prior network. */
export default defineNode({
  type: 'spgd:sampler/classical',
  version: 1,
  title: 'Classical estimate',
  category: 'sampler',
  description: 'No diffusion prior: bicubic upsampling (super-resolution), Tikhonov / Wiener deconvolution (blurs), interpolation fill (inpainting). The baseline to beat, in milliseconds.',
  inputs: MEASUREMENT_INPUTS,
  outputs: ESTIMATE_OUTPUTS,
  params: z.object({ lambda: classicalParams.shape.lambda, sweeps: classicalParams.shape.sweeps }),
  infer: (_p, inputs) => inferRestored(inputs),
});
