/** Limits of the tRPC endpoint that the server enforces and the editor's client respects. */

/** Most calls in one batched request (httpBatchStreamLink's maxItems on the client). */
export const MAX_BATCH_CALLS = 16;
