/**
 * images.*: uploads (PNG / JPEG validated by the engine's decoder; .npy arrays for masks and
 * kernels), stored by sha256, the bundled samples, and the noise estimate of a photo.
 */
import { z } from 'zod';
import { estimateNoiseSigma } from '../../lib/image/noise-estimate';
import { isNpy } from '../../lib/io/npy';
import { uploadBytes } from '../assets';
import { publicProcedure, router } from '../trpc';
import { uploadInput } from './models';

export const imagesRouter = router({
  upload: publicProcedure.input(uploadInput).mutation(async ({ ctx, input }) => {
    const { bytes, name } = await uploadBytes(input);
    return isNpy(bytes) ? ctx.assets.storeArray(bytes, name) : ctx.assets.storeImage(bytes, name);
  }),

  /** sigma_y of a photo (on the engine's [-1, 1] scale), estimated from the photo alone (lib/image/noise-estimate.ts). */
  estimateNoise: publicProcedure
    .input(z.object({ source: z.string().regex(/^(sample:[A-Za-z0-9_-]+|sha256:[0-9a-f]{64})$/) }))
    .query(({ ctx, input }) => ({ sigmaY: estimateNoiseSigma(ctx.assets.loadImage(input.source)) })),

  /** Bundled sample images: `source` is what a Load image node takes. */
  samples: publicProcedure.query(({ ctx }) => ctx.assets.samples()),
});
