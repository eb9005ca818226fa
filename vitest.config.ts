import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('./', import.meta.url)) } },
  test: {
    include: ['lib/**/*.test.ts', 'nodes/**/*.test.ts', 'server/**/*.test.ts', 'bin/**/*.test.ts', 'app/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // Loading ONNX Runtime (wasm) in a hook can take a while on a busy machine.
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
