import { defineConfig } from 'vitest/config';

/**
 * `npm run test:http`: tests over real HTTP against the production build (tests/http/), each
 * server on its own port in 3500-3509. The build runs first (tests/http/build.ts).
 */
export default defineConfig({
  test: {
    include: ['tests/http/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/http/build.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // One file at a time: servers, ports and the machine's memory are shared.
    fileParallelism: false,
    pool: 'forks',
  },
});
