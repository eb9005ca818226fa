import { defineNodeRun } from '../run';
import saveImage from './save-image';

export default defineNodeRun(saveImage, {
  cacheable: false,
  async run(ctx) {
    const img = ctx.input('image', 'Image');
    await ctx.adapters.saveImage?.({ node: ctx.node, filename: ctx.params.filename, image: img.tensor });
    return {};
  },
});
