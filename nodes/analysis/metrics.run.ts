import { SpgdError } from '../../lib/errors';
import { finalMetrics, resolveMeasurement } from '../../lib/plan/values';
import { sameShape } from '../../lib/tensor';
import { defineNodeRun } from '../run';
import metrics from './metrics';

export default defineNodeRun(metrics, {
  run(ctx) {
    const img = ctx.input('image', 'Image');
    const m = ctx.input('measurement', 'Measurement');
    const op = ctx.optionalInput('operator', 'Operator');
    const resolved = op ? resolveMeasurement(m, op) : m.operator ? { operator: m.operator, y: m.y, dataValues: m.y.data.length } : null;
    if (!resolved) throw new SpgdError('BAD_INPUT', 'this measurement was not simulated here: wire the Operator that degraded it into Metrics');
    if (!sameShape(img.tensor.shape, resolved.operator.inShape)) {
      throw new SpgdError('SHAPE_MISMATCH', `the image is [${img.tensor.shape.join(', ')}], the operator takes [${resolved.operator.inShape.join(', ')}]`);
    }
    const truth = ctx.optionalInput('truth', 'Image')?.tensor;
    return { metrics: { kind: 'Metrics', metrics: finalMetrics(img.tensor, resolved, m.sigmaY, truth ?? m.groundTruth) } };
  },
});
