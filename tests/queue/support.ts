/** Test servers on the distributed queue (vitest side of tests/support/queue-processes.ts). */
import { testServer, type TestServer } from '../../server/testing';
import { clearPrefix, redisUrl, uniquePrefix } from '../support/queue-processes';

export * from '../support/queue-processes';

/** Test server settings for the distributed queue; a short lock so a killed worker's run moves on in seconds. */
export function bullEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return { SPGD_REDIS_URL: redisUrl(), SPGD_REDIS_PREFIX: prefix, SPGD_QUEUE_LOCK_MS: '8000', ...extra };
}

/** A test server on the distributed queue, whose keys are removed when it closes. */
export function bullTestServer(prefix = uniquePrefix(), extra: Record<string, string> = {}, dataDir?: string): TestServer {
  const s = testServer(bullEnv(prefix, extra), dataDir);
  return {
    ...s,
    async close() {
      await s.close();
      await clearPrefix(prefix);
    },
  };
}

