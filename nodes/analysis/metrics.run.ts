import { SpgdError } from '../../lib/errors';
import { finalMetrics } from '../../lib/plan/values';
import { sameShape } from '../../lib/tensor';
import { defineNodeRun } from '../run';
import metrics from './metrics';

export default defineNodeRun(metrics, {
  run(ctx) {
    const img = ctx.input('image', 'Image');
    const m = ctx.input('measurement', 'Measurement');
    if (!m.operator) throw new SpgdError('BAD_INPUT', 'the measurement was not simulated here: Metrics needs the operator that made it');
    if (!sameShape(img.tensor.shape, m.operator.inShape)) {
      throw new SpgdError('SHAPE_MISMATCH', `the image is [${img.tensor.shape.join(', ')}], the measurement's operator takes [${m.operator.inShape.join(', ')}]`);
    }
    return { metrics: { kind: 'Metrics', metrics: finalMetrics(img.tensor, m, m.operator) } };
  },
});
