import { blackPixelMask } from '../../lib/operators/user-data';
import { defineNodeRun } from '../run';
import blackMask from './black-mask';

export default defineNodeRun(blackMask, {
  run: (ctx) => ({ mask: { kind: 'Mask', tensor: blackPixelMask(ctx.input('measurement', 'Measurement').y, ctx.params.threshold) } }),
});
