/**
 * tensor.get: one published tensor of a run (a node's output port, or a sampler timeline
 * snapshot with `step`: x, D, g, momentum, residual) as numbers and a picture.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { histogram, pngDataUrl, renderTensor, selectChannel, statsJson } from '../../lib/plan/render';
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
      const { tensor, kind } = found;
      let view = tensor;
      if (input.channel !== undefined) {
        if (tensor.shape.length !== 3 || input.channel >= tensor.shape[0]) {
          throw new TRPCError({ code: 'BAD_REQUEST', message: `channel ${input.channel} does not exist in a tensor of shape [${tensor.shape.join(', ')}]` });
        }
        view = selectChannel(tensor, input.channel);
      }
      const { png, signed } = renderTensor(tensor, kind, input.channel);
      return {
        shape: tensor.shape,
        dtype: 'float32' as const,
        kind,
        channel: input.channel ?? null,
        stats: statsJson(view),
        histogram: histogram(view, 64),
        png: png ? pngDataUrl(png) : null,
        signed,
      };
    }),
});
