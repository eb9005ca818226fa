/**
 * Server configuration from environment variables, validated once with zod. Read lazily (not
 * at import time) so tests and scripts can set variables first or pass overrides.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | SPGD_DATA_DIR | ./data | SQLite database, uploads, run artifacts |
 * | SPGD_DB | <data dir>/spgd.sqlite | database file, or ':memory:' |
 * | SPGD_APP_ROOT | the working directory | where presets/ and public/ are found |
 * | SPGD_MAX_IMAGE_BYTES | 25 MiB | largest image upload |
 * | SPGD_MAX_IMAGE_PIXELS | 16000000 | largest image (width x height), checked from the header |
 * | SPGD_MAX_MODEL_BYTES | 1 GiB | largest ONNX upload |
 * | SPGD_EXECUTION_PROVIDERS | cpu | ONNX Runtime providers in order, e.g. 'cuda,cpu' |
 * | SPGD_ORT_THREADS | 0 (ORT's choice) | intra-op threads per session |
 * | SPGD_CACHE_MB | 512 | memory for cached node outputs between runs |
 */
import path from 'node:path';
import { z } from 'zod';

const MiB = 2 ** 20;

const envSchema = z.object({
  SPGD_DATA_DIR: z.string().min(1).default('./data'),
  SPGD_DB: z.string().min(1).optional(),
  SPGD_APP_ROOT: z.string().min(1).optional(),
  SPGD_MAX_IMAGE_BYTES: z.coerce.number().int().positive().default(25 * MiB),
  SPGD_MAX_IMAGE_PIXELS: z.coerce.number().int().positive().default(16_000_000),
  SPGD_MAX_MODEL_BYTES: z.coerce.number().int().positive().default(1024 * MiB),
  SPGD_EXECUTION_PROVIDERS: z
    .string()
    .default('cpu')
    .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.enum(['cpu', 'cuda'])).min(1)),
  SPGD_ORT_THREADS: z.coerce.number().int().min(0).default(0),
  SPGD_CACHE_MB: z.coerce.number().min(0).default(512),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
});

export interface Env {
  dataDir: string;
  /** SQLite file path or ':memory:'. */
  dbPath: string;
  appRoot: string;
  maxImageBytes: number;
  maxImagePixels: number;
  maxModelBytes: number;
  executionProviders: ('cpu' | 'cuda')[];
  ortThreads: number;
  cacheBytes: number;
  nodeEnv: 'development' | 'production' | 'test';
}

/** Validates the environment (plus overrides); throws one error naming every bad variable. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  const r = envSchema.safeParse(source);
  if (!r.success) {
    throw new Error(`invalid server environment: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = r.data;
  const appRoot = path.resolve(e.SPGD_APP_ROOT ?? process.cwd());
  const dataDir = path.resolve(appRoot, e.SPGD_DATA_DIR);
  return {
    dataDir,
    dbPath: e.SPGD_DB === ':memory:' ? ':memory:' : path.resolve(dataDir, e.SPGD_DB ?? 'spgd.sqlite'),
    appRoot,
    maxImageBytes: e.SPGD_MAX_IMAGE_BYTES,
    maxImagePixels: e.SPGD_MAX_IMAGE_PIXELS,
    maxModelBytes: e.SPGD_MAX_MODEL_BYTES,
    executionProviders: e.SPGD_EXECUTION_PROVIDERS,
    ortThreads: e.SPGD_ORT_THREADS,
    cacheBytes: e.SPGD_CACHE_MB * MiB,
    nodeEnv: e.NODE_ENV,
  };
}
