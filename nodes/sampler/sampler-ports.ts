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
 * whether the prior can take it.
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
  const prior = inputs.prior;
  if (height && width && prior?.sizeMultiple && (height % prior.sizeMultiple || width % prior.sizeMultiple)) {
    errors.push(`the prior needs height and width divisible by ${prior.sizeMultiple}, got ${width}x${height}`);
  }
  return { outputs: { image: { channels: 3, height, width } }, errors };
}
