/** The ports every sampler node shares (lib/plan/sampler-node.ts finds them by type). */
import type { z } from 'zod';
import type { PortFacts, PortSpec } from '../../lib/graph/ports';
import type { ensembleShape } from '../../lib/samplers/ensemble';
import type { warmStartShape } from '../../lib/samplers/init';
import { OPERATORS } from '../../lib/operators';
import type { TaskName } from '../../lib/operators/types';

/** The outputs of a method without random draws (the classical estimate). */
export const ESTIMATE_OUTPUTS: PortSpec[] = [
  { name: 'image', type: 'Image', label: 'Restored' },
  { name: 'trace', type: 'Trace', label: 'Trace' },
];

/** The outputs of a diffusion sampler: the restoration (the mean of its K samples), their spread, the trace. */
export const SAMPLER_OUTPUTS: PortSpec[] = [
  { name: 'image', type: 'Image', label: 'Restored', description: 'the sample, or the mean of K samples' },
  { name: 'uncertainty', type: 'Uncertainty', label: 'Uncertainty', description: 'per-pixel std over the K samples (zeros for one)' },
  { name: 'trace', type: 'Trace', label: 'Trace' },
];

/** A warm start's initial estimate (CCDF): used when the sampler's sigmaStart is below its first noise level. */
export const INIT_INPUT: PortSpec = {
  name: 'init',
  type: 'Image',
  label: 'Initial estimate',
  optional: true,
  description: 'warm start: the sampler starts at sigmaStart from this image plus noise (e.g. a Classical estimate)',
};

/**
 * The node params every diffusion sampler node shares with its sampler (mapped by name in
 * lib/plan/sampler-node.ts), picked from the sampler's own schema.
 */
export function sharedSamplerParams(schema: z.ZodObject<typeof ensembleShape & typeof warmStartShape>) {
  return { samples: schema.shape.samples, sigmaStart: schema.shape.sigmaStart };
}

export const PRIOR_INPUT: PortSpec = { name: 'prior', type: 'Prior', label: 'Prior' };
export const MEASUREMENT_INPUTS: PortSpec[] = [
  { name: 'measurement', type: 'Measurement', label: 'Measurement' },
  { name: 'operator', type: 'Operator', label: 'Operator' },
];

/**
 * The restored image's facts: the size whose image the operator maps to y (4x y for sr-x4), and
 * whether the prior can take it (any size from one stride up).
 */
export function inferRestored(inputs: Record<string, PortFacts | undefined>): { outputs: Record<string, PortFacts>; errors: string[] } {
  const m = inputs.measurement;
  const op = inputs.operator;
  const errors: string[] = [];
  let height: number | undefined;
  let width: number | undefined;
  if (m?.height && m.width && op?.task && op.options) {
    [, height, width] = OPERATORS[op.task as TaskName].inShapeFor([3, m.height, m.width], op.options);
  }
  if (height && width && op?.height && op.width && (op.height !== height || op.width !== width)) {
    errors.push(`the operator's mask is ${op.width}x${op.height} px, the image to restore is ${width}x${height}`);
  }
  // Other sizes are padded to the prior's stride, but an image smaller than one stride is not one it can see.
  const stride = inputs.prior?.sizeMultiple;
  if (height && width && stride && (height < stride || width < stride)) {
    errors.push(`the image to restore is ${width}x${height} px; the prior needs at least ${stride}x${stride}`);
  }
  return { outputs: { image: { channels: 3, height, width } }, errors };
}
