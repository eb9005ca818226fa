import { simulateMeasurement } from '../../lib/operators';
import { buildOperator } from '../../lib/plan/values';
import { Rng } from '../../lib/rng';
import { defineNodeRun } from '../run';
import simulate from './simulate';

export default defineNodeRun(simulate, {
  run(ctx) {
    const img = ctx.input('image', 'Image');
    const op = ctx.input('operator', 'Operator');
    const operator = buildOperator(op, img.tensor.shape);
    const y = simulateMeasurement(operator, img.tensor, ctx.params.sigmaY, new Rng(ctx.params.seed, 'measurement'));
    return { measurement: { kind: 'Measurement', y, sigmaY: ctx.params.sigmaY, groundTruth: img.tensor, operator, operatorKey: op.key } };
  },
});
