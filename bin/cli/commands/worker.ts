import os from 'node:os';
import path from 'node:path';
import { SpgdError } from '../../../lib/errors';
import { LruOutputCache } from '../../../server/cache';
import { envIssues, queueEnvSchema } from '../../../server/env';
import { PriorRegistry } from '../../../server/priors';
import { describeDevice, probeBackend, providersFor, RUN_BACKENDS, type RunBackend } from '../../../server/queue/backend';
import { redactRedisUrl } from '../../../server/queue/bullmq/connection';
import { RemoteAssets } from '../../../server/queue/bullmq/remote-assets';
import { RunWorker } from '../../../server/queue/bullmq/worker';
import { parseFlags, parseNumber } from '../args';
import { UsageError } from '../errors';

export const workerHelp = `spgd worker [--redis URL] [--server URL] [--backend cpu|cuda|webgpu] [--concurrency 1] [--name NAME]
            [--threads n] [--cache-dir DIR]
  A worker of the distributed run queue: takes runs from BullMQ on Redis (--redis, or
  SPGD_REDIS_URL; redis://:password@host:6379/0, rediss:// for TLS), fetches their images and
  models from the server (--server, or SPGD_SERVER_URL) by content hash, sending the token in
  SPGD_WORKER_TOKEN, and streams progress, previews, tensors and results back through Redis.
  --threads: ONNX Runtime threads per session (default SPGD_ORT_THREADS, else ORT's choice).
  Stops on SIGINT/SIGTERM once its runs end; a second signal hands them back to the queue.`;

const MiB = 2 ** 20;

function parseUrl(value: string | undefined, what: string, protocols: RegExp, example: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`give ${what} (e.g. ${example})`);
  let u: URL;
  try {
    u = new URL(value.trim());
  } catch {
    throw new UsageError(`${what}: '${value}' is not a URL (e.g. ${example})`);
  }
  if (!protocols.test(u.protocol)) throw new UsageError(`${what}: '${u.protocol}' is not supported (e.g. ${example})`);
  return value.trim();
}

export async function worker(argv: string[]) {
  const f = parseFlags(argv, {
    redis: { type: 'string' },
    server: { type: 'string' },
    backend: { type: 'string' },
    concurrency: { type: 'string' },
    name: { type: 'string' },
    threads: { type: 'string' },
    'cache-dir': { type: 'string' },
  });
  const env = process.env;
  const redisUrl = parseUrl(f.redis ?? env.SPGD_REDIS_URL, '--redis URL or SPGD_REDIS_URL', /^rediss?:$/, 'redis://:password@host:6379/0');
  const serverUrl = parseUrl(f.server ?? env.SPGD_SERVER_URL, '--server URL or SPGD_SERVER_URL', /^https?:$/, 'http://studio.internal:3000');
  const backend = (f.backend ?? 'cpu') as RunBackend;
  if (!RUN_BACKENDS.includes(backend)) throw new UsageError(`unknown backend '${backend}' (backends: ${RUN_BACKENDS.join(', ')})`);
  const concurrency = parseNumber(f.concurrency, 'concurrency', 1, (n) => Number.isInteger(n) && n >= 1 && n <= 64);
  const threads = parseNumber(f.threads ?? env.SPGD_ORT_THREADS, 'threads', 0, (n) => Number.isInteger(n) && n >= 0 && n <= 256);
  const name = (f.name ?? os.hostname()).trim();
  if (!/^[\w.@-]{1,64}$/.test(name)) throw new UsageError(`--name '${name}': 1-64 letters, digits, _ . @ - only`);
  const q = queueEnvSchema.safeParse(env);
  if (!q.success) throw new UsageError(`bad environment: ${envIssues(q.error)}`);
  const cacheMb = parseNumber(env.SPGD_CACHE_MB, 'SPGD_CACHE_MB', 512, (n) => n >= 0);
  const cacheDir = path.resolve(f['cache-dir'] ?? env.SPGD_WORKER_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'spgd-worker'));
  const token = env.SPGD_WORKER_TOKEN ?? env.SPGD_AUTH_TOKEN ?? null;

  // Refuse to take runs on a backend that cannot run them.
  const probe = await probeBackend(backend, threads);
  if (probe.maxAbsDiff > 1e-3) throw new SpgdError('BAD_INPUT', `backend '${backend}' gives wrong numbers (differs from the CPU by ${probe.maxAbsDiff.toExponential(1)} on a test network)`);
  const device = describeDevice(backend, threads);

  const assets = new RemoteAssets({ serverUrl, token, cacheDir });
  const priors = new PriorRegistry(assets, { executionProviders: providersFor(backend), ortThreads: threads });
  const w = new RunWorker({
    redisUrl,
    queue: { prefix: q.data.SPGD_REDIS_PREFIX, lockMs: q.data.SPGD_QUEUE_LOCK_MS, ttlSeconds: q.data.SPGD_QUEUE_TTL_S },
    self: { name, backend, device, concurrency, local: false },
    adapters: (data) => assets.adapters(data, priors),
    cache: new LruOutputCache(cacheMb * MiB),
  });
  console.log(`worker ${name}: ${backend} on ${device} (agrees with the CPU to ${probe.maxAbsDiff.toExponential(1)}), ${concurrency} run${concurrency === 1 ? '' : 's'} at a time; connecting to ${redactRedisUrl(redisUrl)}`);
  await w.ready();
  console.log(`worker ${name}: ready (id ${w.info.id}, assets from ${serverUrl}, cache ${cacheDir})`);

  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (sig: string) => {
      signals++;
      if (signals === 1) {
        console.log(`worker ${name}: ${sig}: finishing the runs in progress (send it again to hand them back to the queue)`);
        void w.close().then(resolve);
      } else w.handBack();
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  });
  await priors.releaseAll();
  console.log(`worker ${name}: stopped`);
}
