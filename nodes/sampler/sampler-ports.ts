/** The ports every sampler node shares (lib/plan/sampler-node.ts finds them by type). */
import type { PortFacts, PortSpec } from '../../lib/graph/ports';
import { OPERATORS } from '../../lib/operators';
import type { TaskName } from '../../lib/operators/types';

export const SAMPLER_OUTPUTS: PortSpec[] = [
  { name: 'image', type: 'Image', label: 'Restored' },
  { name: 'trace', type: 'Trace', label: 'Trace' },
];

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
