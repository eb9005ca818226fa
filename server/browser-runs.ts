/**
 * Runs made in a browser tab, recorded in the server's history after they end (`run.record`):
 * the graph is compiled here again (the plan is never taken from the client), the run row gets
 * the tab's backend label and outcome, its trace becomes stored events (so `run.get` serves the
 * step charts), and its result picture becomes the run's result PNG with the graph embedded.
 * The tensors for the inspector stay in the tab that ran them.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { GraphInvalidError } from '../lib/errors';
import { decodeImage, imageToTensor } from '../lib/image';
import { anyGraphDocument, migrateDocument } from '../lib/graph/migrate';
import type { TraceJson } from '../lib/plan/types';
import { NODE_KIT } from '../nodes/runs';
import { finishRun, getRun, insertRun, setRunning, setStartedAt } from './db/runs';
import { applyRetention, recordRunBytes } from './retention';
import type { Services } from './services';

const count = z.number().int().nonnegative();
const finiteOrNull = z.number().nullable();

export const browserRunRecord = z.object({
  /** The tab's run id ('browser-...'), kept so the tab and the history name the same run. */
  id: z.string().regex(/^browser-[a-z0-9-]{1,80}$/),
  document: anyGraphDocument,
  presetId: z.string().max(100).nullish(),
  /** What ran, as the run bar shows it ('browser · wasm ×2 threads'). */
  backend: z.string().min(1).max(120),
  status: z.enum(['finished', 'failed', 'cancelled']),
  /** When the run started in the tab (ms since epoch). */
  startedAt: z.number().int().positive(),
  seconds: z.number().nonnegative().nullable(),
  nfe: z.object({ forward: count, vjp: count }).nullable(),
  metrics: z.object({ psnr: z.number().optional(), ssim: z.number().optional(), residual: finiteOrNull }).nullable(),
  error: z.object({ node: z.string().max(100).optional(), code: z.string().max(60), message: z.string().max(2000) }).nullable(),
  cached: z.array(z.string().max(100)).max(500).default([]),
  /** Per sampler node, its steps' diagnostics (TraceJson). */
  traces: z.record(z.string().max(100), z.array(z.looseObject({ step: count })).max(20_000)).default({}),
  /** The result picture (PNG, base64), when the run finished with one. */
  resultPng: z.string().max(40_000_000).nullable(),
});
export type BrowserRunRecord = z.infer<typeof browserRunRecord>;

/** `owner`: who records it (null: no credentials configured). */
export async function recordBrowserRun(s: Services, r: BrowserRunRecord, owner: string | null = null): Promise<{ runId: string }> {
  if (getRun(s.db, r.id)) throw new TRPCError({ code: 'CONFLICT', message: `run '${r.id}' is recorded already` });
  const compiled = await s.compile(r.document, 'browser');
  if (!compiled.ok) throw new GraphInvalidError(compiled.issues);
  const document = migrateDocument(r.document, NODE_KIT.definition);
  const seeds: Record<string, number> = {};
  for (const st of compiled.plan.steps) if (typeof st.params.seed === 'number') seeds[st.node] = st.params.seed;

  let image = null;
  if (r.resultPng !== null) {
    try {
      image = imageToTensor(decodeImage(new Uint8Array(Buffer.from(r.resultPng, 'base64'))));
    } catch (e) {
      throw new TRPCError({ code: 'BAD_REQUEST', message: `the result picture is not a readable image: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  insertRun(
    s.db,
    { id: r.id, document, graphHash: compiled.plan.hash, plan: compiled.plan, seeds, backend: r.backend, label: s.labelFor(document, r.presetId), owner },
    r.startedAt,
  );
  setRunning(s.db, r.id, null, 1, r.startedAt);
  setStartedAt(s.db, r.id, r.startedAt);
  s.log.append(r.id, { type: 'started', nfe: compiled.plan.nfe, estimate: compiled.plan.estimate }, r.startedAt);
  for (const [node, steps] of Object.entries(r.traces)) {
    for (const t of steps) s.log.append(r.id, { type: 'trace', node, step: t.step, trace: t as unknown as TraceJson }, r.startedAt);
  }
  const resultPath = image ? s.artifacts.writeImage(r.id, 'result', image, document) : null;
  const end = r.startedAt + Math.round((r.seconds ?? 0) * 1000);
  if (r.status === 'finished') {
    const metrics = r.metrics ?? { residual: null };
    const nfe = r.nfe ?? { forward: 0, vjp: 0 };
    finishRun(s.db, r.id, { status: 'finished', seconds: r.seconds, nfe, metrics, resultPath, cached: r.cached }, end);
    s.log.append(r.id, { type: 'finished', metrics, seconds: r.seconds ?? 0, nfe, ...(resultPath ? { result: s.artifacts.url(resultPath) } : {}) }, end);
  } else if (r.status === 'cancelled') {
    finishRun(s.db, r.id, { status: 'cancelled' }, end);
    s.log.append(r.id, { type: 'cancelled' }, end);
  } else {
    const error = r.error ?? { code: 'BROWSER_FAILED', message: 'the browser run failed' };
    finishRun(s.db, r.id, { status: 'failed', error }, end);
    s.log.append(r.id, { type: 'error', ...error }, end);
  }
  s.log.forget(r.id);
  // Its result PNG counts against the data folder's quota like a server run's.
  recordRunBytes(s.retention, r.id);
  applyRetention(s.retention, Date.now(), r.id);
  return { runId: r.id };
}
