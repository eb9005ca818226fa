// Lint rules that keep the layers apart (see docs: house rules 1 and 8).
import tseslint from 'typescript-eslint';

const NODE_ONLY = 'lib/ runs in the browser too: put Node-only code behind an adapter (lib/io/node-*.ts, lib/backends/ort-node.ts).';
const nodeOnly = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'util', 'crypto', 'stream', 'buffer'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.next/**', 'training/**', 'public/**', 'next-env.d.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine runs in Node and in the browser: no React, Next, tRPC, server code or Node built-ins.
    files: ['lib/**/*.ts'],
    ignores: ['lib/**/*.test.ts', 'lib/backends/ort-node.ts', 'lib/io/node-*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          // Bare names only (`paths`), so a relative './util' is not mistaken for Node's 'util'.
          paths: [
            ...nodeOnly.map((name) => ({ name, message: NODE_ONLY })),
            { name: 'onnxruntime-node', message: 'only lib/backends/ort-node.ts may load onnxruntime-node.' },
          ],
          patterns: [
            { group: ['react', 'react-dom', 'next', 'next/*', '@trpc/*', '**/server/**', '**/app/**'], message: 'lib/ is framework-free.' },
            { group: ['node:*'], message: NODE_ONLY },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/**/*.ts', 'nodes/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'use the seeded Rng from lib/rng.ts' }],
    },
  },
);
