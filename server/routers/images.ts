/** images.*: uploads (validated by the engine's decoder, stored by sha256) and the bundled samples. */
import { uploadBytes } from '../assets';
import { publicProcedure, router } from '../trpc';
import { uploadInput } from './models';

export const imagesRouter = router({
  upload: publicProcedure.input(uploadInput).mutation(async ({ ctx, input }) => {
    const { bytes, name } = await uploadBytes(input);
    return ctx.assets.storeImage(bytes, name);
  }),

  /** Bundled sample images: `source` is what a Load image node takes. */
  samples: publicProcedure.query(({ ctx }) => ctx.assets.samples()),
});
