/**
 * The one place that initialises tRPC.
 *
 * 1. Context: the server's services (context.ts).
 * 2. Init: no transformer (plain JSON); the error formatter adds `data.zodError` (a flattened
 *    ZodError for bad input), `data.spgdCode` (the engine's stable error code),
 *    `data.graphIssues` (per-node issues when a graph does not compile) and `data.node` (the
 *    node an error points at, e.g. the costliest one of a run that is too large). Responses never
 *    carry a stack trace, and an unexpected error's message stays in the server log; SSE pings
 *    keep subscriptions alive behind proxies.
 * 3. Procedures: every procedure maps engine errors (lib/errors.ts SpgdError codes) to tRPC
 *    codes with the message kept, in one middleware. Errors are recognised by their code, not by
 *    `instanceof` (a production build can hold two copies of a class).
 */
import { initTRPC, TRPCError, type TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { z, ZodError } from 'zod';
import { errorNodeOf, graphIssuesOf, isSpgdError, type ErrorCode } from '../lib/errors';
import type { Context } from './context';

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const { stack: _stack, ...data } = shape.data;
    // Unexpected failures (a bug, a full disk) are logged with their detail by the HTTP handler.
    const internal = error.code === 'INTERNAL_SERVER_ERROR' && !isSpgdError(cause);
    return {
      ...shape,
      message: internal ? 'internal server error (the details are in the server log)' : shape.message,
      data: {
        ...data,
        zodError: cause instanceof ZodError ? z.flattenError(cause) : null,
        spgdCode: isSpgdError(cause) ? cause.code : null,
        graphIssues: graphIssuesOf(cause),
        node: errorNodeOf(cause),
      },
    };
  },
  sse: {
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 20_000 },
  },
});

/** Engine error code -> tRPC error code. */
const SPGD_TO_TRPC: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  BAD_INPUT: 'BAD_REQUEST',
  BAD_IMAGE: 'BAD_REQUEST',
  IMAGE_TOO_SMALL: 'BAD_REQUEST',
  UNKNOWN_TASK: 'BAD_REQUEST',
  SHAPE_MISMATCH: 'BAD_REQUEST',
  UNSUPPORTED_OP: 'BAD_REQUEST',
  BAD_MODEL: 'BAD_REQUEST',
  GRAPH_INVALID: 'BAD_REQUEST',
  DIVERGED: 'UNPROCESSABLE_CONTENT',
  CANCELLED: 'CLIENT_CLOSED_REQUEST',
  BROWSER_RESOURCE: 'BAD_REQUEST',
  RUN_TOO_LARGE: 'BAD_REQUEST',
  QUEUE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

/** Engine errors -> TRPCError with the engine's message (the cause is kept for the formatter). */
const engineErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (isSpgdError(cause)) {
      throw new TRPCError({ code: SPGD_TO_TRPC[cause.code], message: cause.message, cause });
    }
  }
  return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(engineErrors);
