/**
 * Server configuration from environment variables, validated once with zod. Read lazily (not
 * at import time) so tests and scripts can set variables first or pass overrides.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | SPGD_HOST | 127.0.0.1 | interface `npm start` listens on (0.0.0.0: all; off loopback it needs auth) |
 * | SPGD_AUTH_TOKEN | none | shared bearer token (16+ characters); with it, or with users, every request needs a credential |
 * | SPGD_ALLOWED_HOSTS | none | extra host names the server answers to (comma-separated), besides localhost and its own addresses |
 * | SPGD_DATA_DIR | ./data | SQLite database, uploads, run artifacts |
 * | SPGD_DB | <data dir>/spgd.sqlite | database file, or ':memory:' |
 * | SPGD_APP_ROOT | the working directory | where presets/ and public/ are found |
 * | SPGD_MAX_JSON_BYTES | 2 MiB | largest request body other than an upload |
 * | SPGD_MAX_IMAGE_BYTES | 25 MiB | largest image upload |
 * | SPGD_MAX_IMAGE_PIXELS | 16000000 | largest image (width x height), checked from the header |
 * | SPGD_MAX_MODEL_BYTES | 1 GiB | largest ONNX upload |
 * | SPGD_RATE_LIMIT | 600 | mutations (calls) per minute per client (user, else address) |
 * | SPGD_EXECUTION_PROVIDERS | cpu | ONNX Runtime providers in order, e.g. 'cuda,cpu' or 'webgpu,cpu' |
 * | SPGD_ORT_THREADS | 0 (ORT's choice) | intra-op threads per session |
 * | SPGD_CACHE_MB | 512 | memory for cached node outputs between runs |
 * | SPGD_IMAGE_CACHE_MB | 256 | memory for decoded images between runs |
 * | SPGD_SESSION_CACHE_MB | 1024 | estimated memory of the ONNX Runtime sessions kept between runs (at most 2 gradient sessions per model) |
 * | SPGD_MAX_RUN_SECONDS | 3600 | longest run accepted, by the plan's estimate |
 * | SPGD_MAX_RUN_MB | half the machine's memory | most memory a run may need, by the plan's estimate |
 * | SPGD_MAX_RUN_PIXELS | 1048576 | largest image a sampler restores (width x height) |
 * | SPGD_MAX_RUN_NODES | 500 | most nodes in a graph that runs |
 * | SPGD_DATA_QUOTA_MB | 10240 | data folder size past which the oldest unpinned runs are deleted |
 * | SPGD_KEEP_RUNS_DAYS | 0 (keep) | unpinned runs older than this are deleted (at start and after each run) |
 * | SPGD_REDIS_URL | (none: embedded queue) | BullMQ on this Redis, e.g. redis://:password@host:6379/0 or rediss:// for TLS |
 * | SPGD_LOCAL_WORKER | 0 | with Redis: 1 runs a worker inside the server too (otherwise the server only queues) |
 * | SPGD_WORKER_TOKEN | (none) | bearer token workers must send to fetch assets (/api/worker/*) |
 * | SPGD_REDIS_PREFIX, SPGD_QUEUE_LOCK_MS, SPGD_QUEUE_TTL_S | see `queueEnvSchema` | shared with `spgd worker` |
 * | SPGD_CALIBRATE | auto | 'auto': measure this machine's speed at first start for the estimates (kept in the data dir); 'off': never |
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const MiB = 2 ** 20;

/** Settings the server and `spgd worker` read alike (they must agree). */
export const queueEnvSchema = z.object({
  /** Namespace of every Redis key (BullMQ's and ours): one server per prefix. */
  SPGD_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only').default('spgd'),
  /** A worker's lock on its run: a worker silent this long (killed, frozen) loses the run to another. */
  SPGD_QUEUE_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** How long events, tensors and results a worker sent wait in Redis for the server. */
  SPGD_QUEUE_TTL_S: z.coerce.number().int().min(60).default(86_400),
});

export type QueueEnv = z.infer<typeof queueEnvSchema>;

const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'webgpu'] as const;
export type ServerExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

/** A comma-separated list of execution providers in order of preference. */
const executionProvidersSchema = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(z.enum(EXECUTION_PROVIDERS)).min(1));

const redisUrl = z
  .string()
  .trim()
  .refine((u) => /^rediss?:\/\/[^\s]+$/.test(u), "must be a redis:// or rediss:// URL, e.g. 'redis://:password@host:6379/0'");

const list = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean));

const envSchema = z
  .object({
    SPGD_HOST: z.string().min(1).default('127.0.0.1'),
    SPGD_AUTH_TOKEN: z
      .string()
      .min(16, 'use a token of 16 characters or more (e.g. `openssl rand -hex 32`)')
      .optional()
      .or(z.literal('').transform(() => undefined)),
    SPGD_ALLOWED_HOSTS: list,
    SPGD_MAX_JSON_BYTES: z.coerce.number().int().positive().default(2 * MiB),
    SPGD_RATE_LIMIT: z.coerce.number().int().positive().default(600),
    SPGD_IMAGE_CACHE_MB: z.coerce.number().min(0).default(256),
    SPGD_SESSION_CACHE_MB: z.coerce.number().min(0).default(1024),
    SPGD_MAX_RUN_SECONDS: z.coerce.number().positive().default(3600),
    SPGD_MAX_RUN_MB: z.coerce.number().positive().optional(),
    SPGD_MAX_RUN_PIXELS: z.coerce.number().int().positive().default(1024 * 1024),
    SPGD_MAX_RUN_NODES: z.coerce.number().int().positive().default(500),
    SPGD_DATA_QUOTA_MB: z.coerce.number().positive().default(10240),
    SPGD_KEEP_RUNS_DAYS: z.coerce.number().min(0).default(0),
    SPGD_DATA_DIR: z.string().min(1).default('./data'),
    SPGD_DB: z.string().min(1).optional(),
    SPGD_APP_ROOT: z.string().min(1).optional(),
    SPGD_MAX_IMAGE_BYTES: z.coerce.number().int().positive().default(25 * MiB),
    SPGD_MAX_IMAGE_PIXELS: z.coerce.number().int().positive().default(16_000_000),
    SPGD_MAX_MODEL_BYTES: z.coerce.number().int().positive().default(1024 * MiB),
    SPGD_EXECUTION_PROVIDERS: executionProvidersSchema.default(['cpu']),
    SPGD_ORT_THREADS: z.coerce.number().int().min(0).default(0),
    SPGD_CACHE_MB: z.coerce.number().min(0).default(512),
    SPGD_REDIS_URL: z.preprocess((v) => (v === '' ? undefined : v), redisUrl.optional()),
    SPGD_LOCAL_WORKER: z.enum(['0', '1', 'true', 'false', '']).default('0'),
    SPGD_WORKER_TOKEN: z.string().optional(),
    SPGD_CALIBRATE: z.enum(['auto', 'off']).default('auto'),
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  })
  .extend(queueEnvSchema.shape);

/** What a run may cost (checked against the plan's estimate by run.start). */
export interface RunLimits {
  seconds: number;
  memoryMB: number;
  pixels: number;
  nodes: number;
}

export interface Env {
  host: string;
  /** Shared bearer token, or null. */
  authToken: string | null;
  /** Extra host names (lower case) the server answers to. */
  allowedHosts: string[];
  maxJsonBytes: number;
  /** Mutations per minute per client. */
  rateLimit: number;
  dataDir: string;
  /** SQLite file path or ':memory:'. */
  dbPath: string;
  appRoot: string;
  maxImageBytes: number;
  maxImagePixels: number;
  maxModelBytes: number;
  executionProviders: ServerExecutionProvider[];
  ortThreads: number;
  cacheBytes: number;
  imageCacheBytes: number;
  sessionCacheBytes: number;
  runLimits: RunLimits;
  dataQuotaBytes: number;
  /** 0: keep runs until the quota needs the room. */
  keepRunsDays: number;
  /** The distributed queue's Redis (absent: the embedded queue). */
  redisUrl: string | null;
  /** With Redis: also run a worker in the server process. */
  localWorker: boolean;
  /** What workers must send as `Authorization: Bearer <token>` (null: no check). */
  workerToken: string | null;
  queue: { prefix: string; lockMs: number; ttlSeconds: number };
  calibrate: 'auto' | 'off';
  nodeEnv: 'development' | 'production' | 'test';
}

/** Validation issues as one line naming every bad variable. */
export function envIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

/** Validates the environment (plus overrides); throws one error naming every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const r = envSchema.safeParse(source);
  if (!r.success) throw new Error(`invalid server environment: ${envIssues(r.error)}`);
  const e = r.data;
  const appRoot = path.resolve(e.SPGD_APP_ROOT ?? process.cwd());
  const dataDir = path.resolve(appRoot, e.SPGD_DATA_DIR);
  return {
    host: e.SPGD_HOST,
    authToken: e.SPGD_AUTH_TOKEN ?? null,
    allowedHosts: e.SPGD_ALLOWED_HOSTS,
    maxJsonBytes: e.SPGD_MAX_JSON_BYTES,
    rateLimit: e.SPGD_RATE_LIMIT,
    dataDir,
    dbPath: e.SPGD_DB === ':memory:' ? ':memory:' : path.resolve(dataDir, e.SPGD_DB ?? 'spgd.sqlite'),
    appRoot,
    maxImageBytes: e.SPGD_MAX_IMAGE_BYTES,
    maxImagePixels: e.SPGD_MAX_IMAGE_PIXELS,
    maxModelBytes: e.SPGD_MAX_MODEL_BYTES,
    executionProviders: e.SPGD_EXECUTION_PROVIDERS,
    ortThreads: e.SPGD_ORT_THREADS,
    cacheBytes: e.SPGD_CACHE_MB * MiB,
    imageCacheBytes: e.SPGD_IMAGE_CACHE_MB * MiB,
    sessionCacheBytes: e.SPGD_SESSION_CACHE_MB * MiB,
    runLimits: {
      seconds: e.SPGD_MAX_RUN_SECONDS,
      memoryMB: e.SPGD_MAX_RUN_MB ?? Math.floor(os.totalmem() / MiB / 2),
      pixels: e.SPGD_MAX_RUN_PIXELS,
      nodes: e.SPGD_MAX_RUN_NODES,
    },
    dataQuotaBytes: e.SPGD_DATA_QUOTA_MB * MiB,
    keepRunsDays: e.SPGD_KEEP_RUNS_DAYS,
    redisUrl: e.SPGD_REDIS_URL ?? null,
    localWorker: e.SPGD_LOCAL_WORKER === '1' || e.SPGD_LOCAL_WORKER === 'true',
    workerToken: e.SPGD_WORKER_TOKEN ? e.SPGD_WORKER_TOKEN : null,
    queue: { prefix: e.SPGD_REDIS_PREFIX, lockMs: e.SPGD_QUEUE_LOCK_MS, ttlSeconds: e.SPGD_QUEUE_TTL_S },
    calibrate: e.SPGD_CALIBRATE,
    nodeEnv: e.NODE_ENV,
  };
}
