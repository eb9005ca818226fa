/**
 * tensor.get: one published tensor of a run (a node's output port, or a sampler timeline
 * snapshot with `step`: x, D, g, momentum, residual) as numbers and a picture.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { tensorSnapshot } from '../../lib/plan/render';
import { getRun } from '../db/runs';
import { publicProcedure, router } from '../trpc';

export const tensorRouter = router({
  get: publicProcedure
    .input(
      z.object({
        runId: z.string().min(1),
        node: z.string().min(1),
        port: z.string().min(1),
        step: z.number().int().min(0).optional(),
        channel: z.number().int().min(0).optional(),
      }),
    )
    .query(({ ctx, input }) => {
      if (!getRun(ctx.db, input.runId)) throw new TRPCError({ code: 'NOT_FOUND', message: `no run '${input.runId}'` });
      const found = ctx.artifacts.readTensor(input.runId, input.node, input.port, input.step);
      if (!found) {
        const have = ctx.artifacts.listTensors(input.runId).filter((k) => k.startsWith(`${input.node}/`));
        throw new TRPCError({
          code: 'NOT_FOUND',
          message: `run ${input.runId} has no tensor ${input.node}.${input.port}${input.step === undefined ? '' : ` at step ${input.step}`}${have.length ? ` (it has: ${have.join(', ')})` : ''}`,
        });
      }
      return tensorSnapshot(found.tensor, found.kind, input.channel);
    }),
});
