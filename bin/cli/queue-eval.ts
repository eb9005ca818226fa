/**
 * `spgd eval --queue <server URL>`: the same evaluation, fanned out over a server's run queue.
 * Each image is uploaded (images.upload), its restoration graph built as the local eval builds
 * it (nodes/recipes.ts) and started as batch work (run.start, priority 'batch': interactive runs
 * from the editor go first); the runs spread over the server's workers and this command polls
 * their records until all have ended. Ctrl+C cancels the runs still queued or running.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createTRPCClient, httpLink, TRPCClientError } from '@trpc/client';
import { SpgdError } from '../../lib/errors';
import { restorationGraph } from '../../nodes/recipes';
import type { AppRouter } from '../../server/routers/_app';
import type { EvalRow, EvalSpec } from './commands/eval';
import { UsageError } from './errors';

const POLL_MS = 500;
const ENDED = new Set(['finished', 'failed', 'cancelled', 'interrupted']);

type Client = ReturnType<typeof createTRPCClient<AppRouter>>;

function serverBase(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue '${url}': not a URL (give the server's address, e.g. http://studio.internal:3000)`);
  }
  if (u.protocol === 'redis:' || u.protocol === 'rediss:') {
    throw new UsageError(`--queue takes the server's address (http://...), not Redis: the server uploads the images its workers fetch`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--queue '${url}': use an http:// or https:// address`);
  return url.replace(/\/+$/, '');
}

/** A server call, its failures as one clear line. */
async function call<T>(base: string, what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof TRPCClientError) {
      const data = (e as TRPCClientError<AppRouter>).data as { httpStatus?: number } | undefined;
      if (data?.httpStatus === 401 || data?.httpStatus === 403) throw new UsageError(`--queue ${base}: the server refused ${what} (HTTP ${data.httpStatus}): set SPGD_AUTH_TOKEN`);
      if (e.cause && !data) throw new UsageError(`--queue ${base}: cannot reach the server (${e.message})`);
      throw new SpgdError('BAD_INPUT', `${what}: ${e.message}`);
    }
    throw e;
  }
}

/** The Prior node's model on that server: 'gaussian', 'default', or an uploaded file's id. */
async function serverPrior(base: string, client: Client, prior: string | undefined): Promise<string> {
  if (prior === undefined || prior === 'default' || prior === 'gaussian') return prior ?? 'default';
  let bytes: Buffer;
  try {
    bytes = readFileSync(prior);
  } catch (e) {
    throw new UsageError(`--prior ${prior}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const m = await call(base, `uploading --prior ${prior}`, () => client.models.upload.mutate({ name: basename(prior), base64: bytes.toString('base64') }));
  return m.id;
}

export async function evaluateOnQueue(url: string, spec: EvalSpec, dir: string, files: string[], quiet: boolean): Promise<EvalRow[]> {
  const base = serverBase(url);
  const token = process.env.SPGD_AUTH_TOKEN;
  const client: Client = createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${base}/api/trpc`, headers: () => (token ? { authorization: `Bearer ${token}` } : {}) })],
  });
  const model = await serverPrior(base, client, spec.prior);

  const runs: { file: string; runId: string }[] = [];
  const cancelAll = () => {
    void Promise.all(runs.map((r) => client.run.cancel.mutate({ runId: r.runId }).catch(() => undefined))).finally(() => process.exit(130));
  };
  process.once('SIGINT', cancelAll);
  try {
    for (const [k, file] of files.entries()) {
      const bytes = readFileSync(join(dir, file));
      const img = await call(base, `uploading ${file}`, () => client.images.upload.mutate({ name: file, base64: bytes.toString('base64') }));
      const document = restorationGraph({
        task: spec.task,
        method: spec.method,
        seed: spec.seed + k,
        sigmaY: spec.sigmaY,
        model,
        samplerParams: spec.samplerParams,
        initMethod: spec.initMethod,
        groundTruth: { source: `sha256:${img.sha256}`, size: spec.size ?? 0 },
      });
      const { runId } = await call(base, `starting ${file}`, () => client.run.start.mutate({ document, priority: 'batch' }));
      runs.push({ file, runId });
    }
    if (!quiet) process.stderr.write(`queued ${runs.length} runs on ${base}\n`);

    const records = new Map<string, Awaited<ReturnType<Client['run']['get']['query']>>>();
    let reported = '';
    while (records.size < runs.length) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      let running = 0;
      for (const r of runs) {
        if (records.has(r.runId)) continue;
        const rec = await call(base, `reading run ${r.runId}`, () => client.run.get.query({ runId: r.runId }));
        if (ENDED.has(rec.status)) records.set(r.runId, rec);
        else if (rec.status === 'running') running++;
      }
      const line = `${records.size}/${runs.length} done, ${running} running, ${runs.length - records.size - running} waiting`;
      if (!quiet && line !== reported) process.stderr.write(`queue: ${line}\n`);
      reported = line;
    }

    const failed = runs.filter((r) => records.get(r.runId)?.status !== 'finished');
    if (failed.length) {
      const why = failed.slice(0, 3).map((r) => `${r.file}: ${records.get(r.runId)?.error?.message ?? records.get(r.runId)?.status ?? '?'}`);
      throw new SpgdError('BAD_INPUT', `${failed.length} of ${runs.length} runs did not finish (${why.join('; ')})`);
    }
    return runs.map(({ file, runId }) => {
      const rec = records.get(runId);
      const psnr = rec?.metrics?.psnr;
      const ssim = rec?.metrics?.ssim;
      if (!rec || psnr === undefined || ssim === undefined) throw new Error(`${file}: the run reported no PSNR/SSIM against its ground truth`);
      return { file, psnr, ssim, nfe: rec.nfe?.forward ?? 0, seconds: rec.seconds ?? 0, worker: rec.worker?.name ?? rec.backend };
    });
  } finally {
    process.off('SIGINT', cancelAll);
  }
}
