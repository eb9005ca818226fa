import { centerCrop, fitToSize, resize } from '../../lib/image';
import { defineNodeRun } from '../run';
import resizeNode from './resize';

export default defineNodeRun(resizeNode, {
  run(ctx) {
    const { width, height, mode } = ctx.params;
    const t = ctx.input('image', 'Image').tensor;
    const out = mode === 'stretch' ? resize(t, height, width) : mode === 'crop' ? centerCrop(t, height, width) : fitToSize(t, height, width);
    return { image: { kind: 'Image', tensor: out } };
  },
});
