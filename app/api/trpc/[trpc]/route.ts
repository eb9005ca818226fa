/**
 * tRPC over HTTP at /api/trpc (Next.js App Router). Queries and mutations arrive as GET/POST
 * (JSON, or multipart FormData for uploads through httpLink); subscriptions (run.events) are
 * served as Server-Sent Events, which the client's httpSubscriptionLink reads, resuming from
 * the last event id after a reconnect. Batches hold at most MAX_BATCH_CALLS calls; body size,
 * host, origin, credentials and rate are checked before a request gets here (server/http/gate.ts).
 */
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createContext } from '../../../../server/context';
import { appRouter } from '../../../../server/routers/_app';
import { MAX_BATCH_CALLS } from '../limits';

// better-sqlite3 and onnxruntime-node are native addons, and runs outlive a request.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

function handler(req: Request) {
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext,
    maxBatchSize: MAX_BATCH_CALLS,
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`tRPC ${path ?? '?'} failed:`, error);
    },
  });
}

export { handler as GET, handler as POST };
