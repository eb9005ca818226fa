import { defineConfig } from 'vitest/config';

/**
 * The distributed queue's integration tests: a real Redis (scripts/with-redis.sh starts one),
 * `spgd worker` processes, kill -9 and Redis restarts. `npm run test:queue`.
 */
export default defineConfig({
  test: {
    include: ['tests/queue/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One Redis, processes with fixed ports: one file at a time.
    fileParallelism: false,
  },
});
