/** models.*: the shipped prior, the analytic prior, and uploaded ONNX epsilon networks. */
import { z } from 'zod';
import { uploadBytes } from '../assets';
import { publicProcedure, router } from '../trpc';

/** An upload: multipart FormData with a `file` field (httpLink), or base64 in JSON. */
export const uploadInput = z.union([
  z.instanceof(FormData),
  z.object({ name: z.string().max(200).optional(), base64: z.string().min(1) }),
]);

export const modelsRouter = router({
  list: publicProcedure.query(({ ctx }) => ctx.assets.models()),

  upload: publicProcedure.input(uploadInput).mutation(async ({ ctx, input }) => {
    const { bytes, name } = await uploadBytes(input);
    return ctx.assets.storeModel(bytes, name);
  }),
});
