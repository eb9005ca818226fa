// Lint: typescript-eslint's strict type-checked rules, React's hooks rules, and the rules that keep
// the layers apart (docs/architecture.md "Layers"; house rules 1 and 8).
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const NODE_ONLY = 'lib/ runs in the browser too: put Node-only code behind an adapter (lib/io/node-*.ts, lib/backends/ort-node.ts).';
const nodeOnly = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'util', 'crypto', 'stream', 'buffer'];
const TESTS = ['**/*.test.ts', 'e2e/**', 'bench/**', 'tests/**'];

/** Import patterns a layer may not use, with why. */
const upward = (what, groups) => ({ group: groups, message: `${what} imports only downward (docs/architecture.md, "Layers").` });
const RUN_CODE = ['**/nodes/runs', '**/nodes/recipes', '**/nodes/calibrate', '**/*.run', '**/nodes/**/*.run'];

export default tseslint.config(
  { ignores: ['node_modules/**', '.next/**', 'training/**', 'public/**', 'next-env.d.ts', 'test-results/**', 'playwright-report/**', '*.config.js', '*.config.mjs', 'bin/spgd.mjs', 'scripts/**'] },
  ...tseslint.configs.strictTypeChecked,
  reactHooks.configs.flat['recommended-latest'],
  { languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
  {
    rules: {
      // Numbers and booleans read fine in messages; objects and undefined do not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests may assert what they just checked exists.
    files: TESTS,
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // The engine runs in Node and in the browser: no React, Next, tRPC, Node built-ins, and nothing from the layers above.
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
            { group: ['react', 'react-dom', 'next', 'next/*', '@trpc/*'], message: 'lib/ is framework-free.' },
            { group: ['node:*'], message: NODE_ONLY },
            upward('lib/', ['**/nodes/**', '**/nodes', '**/server/**', '**/app/**', '**/bin/**', '**/bench/**']),
          ],
        },
      ],
    },
  },
  {
    // Node definitions are loaded by the editor: lib/ and zod only, never run code.
    files: ['nodes/**/*.ts'],
    ignores: ['nodes/**/*.run.ts', 'nodes/runs.ts', 'nodes/recipes.ts', 'nodes/calibrate.ts', 'nodes/**/*.test.ts', 'nodes/testing.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: RUN_CODE, message: 'node definitions are loaded by the editor: run code stays in *.run.ts (nodes/runs.ts).' },
            upward('nodes/', ['**/server/**', '**/app/**', '**/bin/**', '**/bench/**']),
          ],
        },
      ],
    },
  },
  {
    files: ['nodes/**/*.run.ts', 'nodes/runs.ts', 'nodes/recipes.ts', 'nodes/calibrate.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [upward('nodes/', ['**/server/**', '**/app/**', '**/bin/**', '**/bench/**'])] }] },
  },
  {
    // Editor components: node definitions and widgets, never run code or server code (the browser worker runs plans).
    files: ['app/editor/**/*.ts', 'app/editor/**/*.tsx', 'nodes/**/*.tsx'],
    ignores: ['app/editor/browser-runner.worker.ts', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: RUN_CODE, message: 'the editor loads node definitions only; run code runs on the server or in the browser worker.' },
            { group: ['**/server/**'], message: 'only `type AppRouter` reaches the editor (app/trpc.ts).', allowTypeImports: true },
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
