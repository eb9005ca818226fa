/**
 * run.*: start a graph on the server's run queue (embedded, or BullMQ workers), follow its
 * events (backfilled from SQLite, then live), cancel it, read one run or the list of runs; record
 * a run made in the browser; pin, delete and prune runs, and read how full the data folder is.
 * Cancelling, pinning and deleting a run is for its owner or an admin.
 */
import { tracked, TRPCError } from '@trpc/server';
import { z } from 'zod';
import { anyGraphDocument } from '../../lib/graph/migrate';
import type { Plan, ProbeInfo, RunMetrics, TraceJson } from '../../lib/plan/types';
import type { Nfe } from '../../lib/samplers/types';
import { canModify, ownerName } from '../auth';
import { browserRunRecord, recordBrowserRun } from '../browser-runs';
import { getRun, listRuns, setPinned, type WorkerRef } from '../db/runs';
import { deleteRun, pruneRuns, storageUse } from '../retention';
import { TERMINAL_STATUSES, type RunRow, type RunStatus } from '../db/schema';
import { RUN_PRIORITIES } from '../queue/types';
import type { Context } from '../context';
import { publicProcedure, router } from '../trpc';

const runId = z.string().min(1).max(100);

function requireRun(ctx: Context, id: string): RunRow {
  const row = getRun(ctx.db, id);
  if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: `no run '${id}'` });
  return row;
}

/** The run, if the caller may change it (its owner or an admin). */
function requireOwnRun(ctx: Context, id: string, action: string): RunRow {
  const row = requireRun(ctx, id);
  if (!canModify(ctx.principal, row.owner)) {
    throw new TRPCError({ code: 'FORBIDDEN', message: `run '${id}' belongs to ${row.owner ?? 'nobody (made before users existed)'}; only its owner or an admin may ${action} it` });
  }
  return row;
}

const parse = (s: string | null): unknown => (s === null ? null : JSON.parse(s));

export interface RunSummary {
  id: string;
  status: RunStatus;
  /** The graph document's own name. */
  name: string | null;
  /** What history calls it: the preset it came from and the params that differ (server/run-label.ts). */
  label: string;
  /** Its result came from the output cache (nothing was computed again). */
  fromCache: boolean;
  hash: string;
  backend: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  seconds: number | null;
  nfe: Nfe | null;
  metrics: RunMetrics | null;
  error: { node?: string; code: string; message: string } | null;
  /** URL of the result PNG (also the thumbnail), once finished. */
  resultUrl: string | null;
  thumbnail: string | null;
  /** Who started it (null: made without credentials). */
  owner: string | null;
  /** Pinned runs are never deleted by prune or the quota. */
  pinned: boolean;
  /** Bytes of its artifacts (0 until it ends). */
  bytes: number;
  /** The worker that runs or ran it (null before one took it). */
  worker: WorkerRef | null;
  /** How often it started (more than 1 when a worker stopped while running it). */
  attempts: number;
  priority: RunRow['priority'];
}

function summary(ctx: Context, r: RunRow): RunSummary {
  const doc = JSON.parse(r.document) as { name?: string };
  const url = r.result_path ? ctx.artifacts.url(r.result_path) : null;
  const plan = JSON.parse(r.plan) as Pick<Plan, 'primary' | 'steps'>;
  const cached = new Set(parse(r.cached) as string[] | null);
  return {
    id: r.id,
    status: r.status,
    name: doc.name ?? null,
    label: r.label ?? doc.name ?? 'untitled graph',
    fromCache: r.status === 'finished' && (plan.primary ? cached.has(plan.primary) : cached.size > 0 && cached.size === plan.steps.length),
    hash: r.graph_hash,
    backend: r.backend,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    seconds: r.seconds,
    nfe: parse(r.nfe) as Nfe | null,
    metrics: parse(r.metrics) as RunMetrics | null,
    error: parse(r.error) as RunSummary['error'],
    resultUrl: url,
    thumbnail: url,
    owner: r.owner,
    pinned: r.pinned === 1,
    bytes: r.bytes,
    worker: parse(r.worker) as WorkerRef | null,
    attempts: r.attempts,
    priority: r.priority,
  };
}

export const runRouter = router({
  start: publicProcedure
    .input(
      z.object({
        document: anyGraphDocument,
        backend: z.literal('server').optional(),
        /** 'interactive' (default: the editor) runs before 'batch' (spgd eval --queue). */
        priority: z.enum(RUN_PRIORITIES).optional(),
        /** The preset the graph came from: names the run in the history. */
        presetId: z.string().max(100).nullish(),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.startRun(input.document, {
        backend: input.backend ?? 'server',
        priority: input.priority ?? 'interactive',
        presetId: input.presetId,
        owner: ownerName(ctx.principal),
      }),
    ),

  /** A run made in a browser tab, recorded in the history after it ended (server/browser-runs.ts). */
  record: publicProcedure.input(browserRunRecord).mutation(({ ctx, input }) => recordBrowserRun(ctx, input, ownerName(ctx.principal))),

  /**
   * Tracked events of a run: everything after `lastEventId` from SQLite, then live ones,
   * until the run's terminal event (finished / error / cancelled).
   */
  events: publicProcedure
    .input(z.object({ runId, lastEventId: z.string().nullish() }))
    .subscription(async function* ({ ctx, input, signal }) {
      requireRun(ctx, input.runId);
      const ac = new AbortController();
      const stop = () => ac.abort();
      signal?.addEventListener('abort', stop, { once: true });
      try {
        for await (const e of ctx.queue.events(input.runId, input.lastEventId, ac.signal)) yield tracked(e.id, e);
      } finally {
        signal?.removeEventListener('abort', stop);
        ac.abort();
      }
    }),

  cancel: publicProcedure.input(z.object({ runId })).mutation(async ({ ctx, input }) => {
    requireOwnRun(ctx, input.runId, 'cancel');
    const status = await ctx.queue.cancel(input.runId);
    if (status === null) throw new TRPCError({ code: 'NOT_FOUND', message: `no run '${input.runId}'` });
    return { status };
  }),

  get: publicProcedure.input(z.object({ runId })).query(async ({ ctx, input }) => {
    const r = requireRun(ctx, input.runId);
    const plan = JSON.parse(r.plan) as Plan;
    let trace: Record<string, TraceJson[]> = {};
    const probes = new Map<string, ProbeInfo>();
    for (const e of ctx.log.since(r.id)) {
      // A retried run starts over: only its last attempt counts.
      if (e.type === 'retry') trace = {};
      else if (e.type === 'trace') (trace[e.node] ??= []).push(e.trace);
      else if (e.type === 'probe') {
        const { type: _t, id: _i, runId: _r, at: _a, ...p } = e;
        probes.set(`${p.node}/${p.port}@${p.step ?? ''}`, p);
      }
    }
    return {
      ...summary(ctx, r),
      position: await ctx.queue.position(r.id).catch(() => null),
      document: JSON.parse(r.document) as unknown,
      seeds: JSON.parse(r.seeds) as Record<string, number>,
      plan: { steps: plan.steps.map((s) => ({ node: s.node, type: s.type, runsOn: s.runsOn })), nfe: plan.nfe, estimate: plan.estimate, primary: plan.primary },
      timings: { createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at, seconds: r.seconds },
      trace,
      probes: [...probes.values()],
    };
  }),

  /** Deletes an ended run with its artifacts (a queued or running one must be cancelled first). */
  delete: publicProcedure.input(z.object({ runId })).mutation(({ ctx, input }) => {
    const row = requireOwnRun(ctx, input.runId, 'delete');
    if (!TERMINAL_STATUSES.includes(row.status)) throw new TRPCError({ code: 'CONFLICT', message: `run '${input.runId}' is ${row.status}: cancel it first` });
    deleteRun(ctx.retention, input.runId);
    return { ok: true as const, bytes: row.bytes };
  }),

  /** Pins a run (prune and the quota never delete it) or unpins it. */
  pin: publicProcedure.input(z.object({ runId, pinned: z.boolean() })).mutation(({ ctx, input }) => {
    requireOwnRun(ctx, input.runId, 'pin');
    setPinned(ctx.db, input.runId, input.pinned);
    return { pinned: input.pinned };
  }),

  /** Deletes the unpinned, ended runs older than `olderThanDays` (an admin's prune takes everyone's; a user's, their own). */
  prune: publicProcedure.input(z.object({ olderThanDays: z.number().min(0).max(36_500) })).mutation(({ ctx, input }) => {
    const before = Date.now() - input.olderThanDays * 86_400_000;
    const deleted = pruneRuns(ctx.retention, before, ctx.principal.admin ? undefined : ctx.principal.name);
    return { deleted: deleted.length };
  }),

  /** How full the data folder is: run artifacts, uploads and the database against the quota. */
  storage: publicProcedure.query(({ ctx }) => storageUse(ctx.retention)),

  list: publicProcedure
    .input(z.object({ limit: z.number().int().min(1).max(100).default(20), cursor: z.number().int().nullish() }).default({ limit: 20 }))
    .query(({ ctx, input }) => {
      const rows = listRuns(ctx.db, input.limit + 1, input.cursor ?? undefined);
      const page = rows.slice(0, input.limit);
      return { items: page.map((r) => summary(ctx, r)), nextCursor: rows.length > input.limit ? page[page.length - 1].seq : null };
    }),
});
