/** `spgd worker` refuses a bad call before it takes any run (no Redis needed for these). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(__dirname, '..', 'spgd.mjs');
const hasNvidia = spawnSync('nvidia-smi', ['-L']).status === 0;

function spgd(args: string[], extra: Record<string, string> = {}) {
  // Only the variables a test sets: none of the caller's SPGD_* settings.
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of Object.keys(process.env)) if (k.startsWith('SPGD_') && !(k in extra)) env[k] = undefined;
  const r = spawnSync(process.execPath, [BIN, 'worker', ...args], { encoding: 'utf8', timeout: 60_000, env });
  return { code: r.status, stderr: r.stderr };
}

const redis = ['--redis', 'redis://127.0.0.1:6399/0'];
const server = ['--server', 'http://127.0.0.1:3409'];

describe('spgd worker: bad calls', () => {
  it.each([
    { args: [], want: /give --redis URL or SPGD_REDIS_URL/ },
    { args: ['--redis', 'http://host:6379'], want: /'http:' is not supported/ },
    { args: redis, want: /give --server URL or SPGD_SERVER_URL/ },
    { args: [...redis, ...server, '--backend', 'tpu'], want: /unknown backend 'tpu' \(backends: cpu, cuda, webgpu\)/ },
    { args: [...redis, ...server, '--concurrency', '0'], want: /bad value for --concurrency: '0'/ },
    { args: [...redis, ...server, '--name', 'has space'], want: /--name 'has space'/ },
  ])('exit 2: $want', ({ args, want }) => {
    const r = spgd(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(want);
  });

  it('reads the Redis URL from SPGD_REDIS_URL and checks the shared queue settings', () => {
    const r = spgd(server, { SPGD_REDIS_URL: 'redis://127.0.0.1:6399/0', SPGD_QUEUE_LOCK_MS: '10' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/SPGD_QUEUE_LOCK_MS: Too small/);
  });

  it.skipIf(hasNvidia)('exit 1 for a GPU backend this machine cannot run, saying what to install', () => {
    const r = spgd([...redis, ...server, '--backend', 'cuda']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/backend 'cuda' is not available here: .*ONNXRUNTIME_NODE_INSTALL=cuda12/);
  });
});
