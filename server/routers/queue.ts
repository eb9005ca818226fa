/** queue.*: the run queue itself (the editor's Workers panel). */
import { publicProcedure, router } from '../trpc';

export const queueRouter = router({
  /** The engine (embedded or BullMQ), whether it is reachable, its workers and its counts. */
  workers: publicProcedure.query(({ ctx }) => ctx.queue.overview()),
});
