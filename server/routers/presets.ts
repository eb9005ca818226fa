/** presets.*: built-in and saved graph documents (the list holds summaries only; `get` has the document). */
import { z } from 'zod';
import { anyGraphDocument, migrateDocument } from '../../lib/graph/migrate';
import { getNodeDefinition } from '../../nodes';
import { listPresets } from '../db/presets';
import { readPreset, removePreset, savePreset, thumbnailInput } from '../presets';
import { publicProcedure, router } from '../trpc';

export const presetsRouter = router({
  list: publicProcedure.query(({ ctx }) => listPresets(ctx.db)),

  get: publicProcedure.input(z.object({ id: z.string().min(1).max(100) })).query(({ ctx, input }) => readPreset(ctx.db, input.id)),

  save: publicProcedure
    .input(
      z.object({
        id: z.string().min(1).max(100).optional(),
        name: z.string().trim().min(1).max(200),
        description: z.string().max(5000).optional(),
        tags: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
        thumbnail: thumbnailInput.nullable().optional(),
        document: anyGraphDocument,
        overwrite: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      // The files the graph carries are stored here too, so the preset runs on this server.
      const document = migrateDocument(input.document, getNodeDefinition);
      ctx.assets.requireEmbedded(document.assets);
      return savePreset(ctx.db, { ...input, document }, ctx.principal);
    }),

  delete: publicProcedure.input(z.object({ id: z.string().min(1).max(100) })).mutation(({ ctx, input }) => removePreset(ctx.db, input.id, ctx.principal)),
});
