/** graph.compile: migrate + validate a document, and plan it (or say what is wrong, per node). */
import { z } from 'zod';
import { anyGraphDocument } from '../../lib/graph/migrate';
import { publicProcedure, router } from '../trpc';

export const graphRouter = router({
  compile: publicProcedure
    .input(z.object({ document: anyGraphDocument, backend: z.enum(['server', 'browser']).optional() }))
    .mutation(({ ctx, input }) => ctx.compile(input.document, input.backend)),
});
