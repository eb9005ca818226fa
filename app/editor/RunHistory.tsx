'use client';
/**
 * Run history (`run.list`, newest first, browser runs included), each named by the preset it
 * came from and the params that differ from it, with metrics, thumbnails and "from cache" when
 * nothing was computed again. Opening a run shows its result, traces and probes and puts its
 * graph on the canvas (asking first when the canvas holds another graph); A and B pick runs
 * for the compare slider. Retention: how full the data folder is (`run.storage`), pin a run
 * (prune and the quota keep it), delete one, or prune the unpinned runs older than N days.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { GraphDocument } from '../../lib/graph/document';
import { useTRPC, useTRPCClient } from '../trpc';
import { contentKey, parseDocument, semanticKey } from './graph';
import type { RouterOutputs } from '../trpc';
import { IDLE_RUN, probeKey, runBackendLabel, type ProbeInfo, type RunState, type RunStatus } from './runTypes';
import { useEditor } from './store';
import { errorMessage } from './useServer';

export type RunRow = RouterOutputs['run']['list']['items'][number];
type RunRecord = RouterOutputs['run']['get'];

const STATUS: Record<RunRow['status'], RunStatus> = { queued: 'queued', running: 'running', finished: 'finished', failed: 'error', interrupted: 'error', cancelled: 'cancelled' };

/** A stored run record as the editor's run state (traces, probes, metrics, result). */
export function recordToRunState(rec: RunRecord): RunState {
  const probes: Record<string, ProbeInfo> = {};
  for (const p of rec.probes) probes[probeKey(p.node, p.port, p.step ?? undefined)] = p;
  const status = STATUS[rec.status];
  return {
    ...IDLE_RUN,
    runId: rec.id,
    status,
    position: rec.position ?? undefined,
    backend: runBackendLabel(rec),
    traces: rec.trace,
    probes,
    nodesInRun: rec.plan.steps.map((s) => s.node),
    primary: rec.plan.primary,
    fromCache: rec.fromCache,
    resultUrl: rec.resultUrl ?? undefined,
    error: rec.error ?? undefined,
    finished: status === 'finished' ? { metrics: rec.metrics ?? {}, seconds: rec.seconds ?? 0, nfe: rec.nfe ?? undefined } : undefined,
  };
}

function when(v: number | null): string {
  if (v === null) return '';
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function megabytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GB` : `${(bytes / 2 ** 20).toFixed(bytes < 10 * 2 ** 20 ? 1 : 0)} MB`;
}

/** How full the data folder is, and the prune form. */
function StorageBar({ onChanged }: { onChanged: () => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const storage = useQuery({ ...trpc.run.storage.queryOptions(), refetchInterval: 10_000 });
  const [days, setDays] = useState<string | null>(null);
  const prune = async (olderThanDays: number) => {
    try {
      const r = await client.run.prune.mutate({ olderThanDays });
      useEditor.getState().toast('info', `Deleted ${r.deleted} run${r.deleted === 1 ? '' : 's'} older than ${olderThanDays} days.`);
      setDays(null);
      onChanged();
    } catch (e) {
      useEditor.getState().toast('error', `Prune failed: ${errorMessage(e)}`);
    }
  };
  const s = storage.data;
  const share = s ? Math.min(1, s.usedBytes / s.quotaBytes) : 0;
  return (
    <div className="border-b border-ink-700 px-2 py-1.5 text-[11px] text-ink-500" data-testid="runs-storage">
      {s && (
        <div className="flex items-center gap-2" title="run artifacts, uploads and the database, against SPGD_DATA_QUOTA_MB; past it the oldest unpinned runs are deleted">
          <div className="h-1.5 flex-1 overflow-hidden rounded bg-ink-800">
            <div className={`h-full ${share > 0.9 ? 'bg-warn' : 'bg-accent'}`} style={{ width: `${(100 * share).toFixed(1)}%` }} />
          </div>
          <span className="font-mono" data-testid="runs-storage-used">
            {megabytes(s.usedBytes)} of {megabytes(s.quotaBytes)}
          </span>
          <button className="hover:text-ink-200" onClick={() => setDays(days === null ? String(s.keepDays || 30) : null)} data-testid="runs-prune-open">
            prune…
          </button>
        </div>
      )}
      {days !== null && (
        <form
          className="mt-1 flex items-center gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            const n = Number(days);
            if (Number.isFinite(n) && n >= 0) void prune(n);
          }}
        >
          <span>delete unpinned runs older than</span>
          <input value={days} onChange={(e) => setDays(e.target.value)} inputMode="numeric" className="w-10 rounded border border-ink-700 bg-ink-950 px-1 text-ink-200" data-testid="runs-prune-days" />
          <span>days</span>
          <button type="submit" className="rounded bg-bad/80 px-1.5 text-white" data-testid="runs-prune">
            delete
          </button>
        </form>
      )}
    </div>
  );
}

/**
 * Opens a run: its result, traces and tensors become the current view, and its graph replaces the
 * canvas (after a confirm when the canvas holds a different graph). `keepCanvas` answers "no".
 */
function useOpenRun() {
  const client = useTRPCClient();
  const [pending, setPending] = useState<{ rec: RunRecord; doc: GraphDocument } | null>(null);
  const show = (rec: RunRecord) => {
    const s = useEditor.getState();
    s.showRun(recordToRunState(rec));
    s.setBottomTab('result');
  };
  const open = async (id: string) => {
    try {
      const rec = await client.run.get.query({ runId: id });
      const parsed = parseDocument(rec.document);
      if (!parsed.ok) throw new Error(parsed.error);
      const s = useEditor.getState();
      // The same graph (whatever its layout) needs no question.
      if (semanticKey(parsed.doc) === semanticKey(s.document())) {
        show(rec);
        return;
      }
      setPending({ rec, doc: parsed.doc });
    } catch (e) {
      useEditor.getState().toast('error', `Could not open run ${id}: ${errorMessage(e)}`);
    }
  };
  const answer = (replace: boolean) => {
    if (!pending) return;
    if (replace) useEditor.getState().loadDocument(pending.doc, { presetId: null });
    show(pending.rec);
    setPending(null);
  };
  return { open, pending: pending?.rec ?? null, answer };
}

export function RunHistory() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const currentRun = useEditor((s) => s.run.runId);
  const compare = useEditor((s) => s.compare);
  const list = useQuery({ ...trpc.run.list.queryOptions({ limit: 30 }), select: (d) => d.items, refetchInterval: 10_000 });
  const { open, pending, answer } = useOpenRun();
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.run.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.run.storage.queryKey() });
  };
  const change = async (what: string, f: () => Promise<unknown>) => {
    try {
      await f();
      refresh();
    } catch (e) {
      useEditor.getState().toast('error', `${what} failed: ${errorMessage(e)}`);
    }
  };

  return (
    <div className="flex h-full flex-col" data-testid="runs-panel">
      <div className="flex items-center justify-between border-b border-ink-700 px-2 py-1.5 text-[11px] text-ink-500">
        <span>newest first · pick A and B to compare</span>
        <button className="hover:text-ink-200" onClick={() => void list.refetch()} title="Refresh">
          ↻
        </button>
      </div>
      <StorageBar onChanged={refresh} />
      {pending && (
        <div className="space-y-1.5 border-b border-ink-700 bg-warn/10 p-2 text-[12px] text-ink-200" data-testid="run-open-confirm">
          <div>
            Replace the canvas with the graph of “{pending.label}”?
            {contentKey(useEditor.getState().document()) !== useEditor.getState().savedKey ? ' The current graph has unsaved changes (Undo brings it back).' : ''}
          </div>
          <div className="flex gap-1.5">
            <button className="rounded bg-accent px-2 py-0.5 text-white" onClick={() => answer(true)} data-testid="run-open-replace">
              Replace
            </button>
            <button className="rounded border border-ink-600 px-2 py-0.5" onClick={() => answer(false)} data-testid="run-open-keep">
              Keep my graph, show the result
            </button>
          </div>
        </div>
      )}
      <ul className="scroll-thin min-h-0 flex-1 overflow-y-auto">
        {list.isLoading && <li className="px-3 py-2 text-ink-500">loading…</li>}
        {list.error && <li className="px-3 py-2 text-bad">Runs unavailable: {list.error.message}</li>}
        {list.data?.length === 0 && <li className="px-3 py-2 text-ink-500">No runs yet.</li>}
        {list.data?.map((r) => (
          <li key={r.id} className={`border-b border-ink-800 px-2 py-1.5 ${currentRun === r.id ? 'bg-accent/10' : ''}`} data-testid={`run-row-${r.id}`} data-from-cache={r.fromCache}>
            <div className="flex gap-2">
              {r.thumbnail ? (
                <img src={r.thumbnail} alt="" className="pixelated h-10 w-10 flex-none rounded border border-ink-700 object-cover" />
              ) : (
                <div className="h-10 w-10 flex-none rounded border border-ink-700 bg-ink-800" />
              )}
              <button className="min-w-0 flex-1 text-left" onClick={() => void open(r.id)} title={`${r.label}\nOpen: its result, traces and graph`} data-testid={`run-open-${r.id}`}>
                <div className="flex items-start gap-1 text-[11.5px]">
                  <span className={r.status === 'finished' ? 'text-ok' : r.status === 'failed' || r.status === 'interrupted' ? 'text-bad' : 'text-warn'}>●</span>
                  <span className="line-clamp-2 break-words text-ink-200" data-testid={`run-label-${r.id}`}>
                    {r.label}
                  </span>
                </div>
                <div className="font-mono text-[10.5px] text-ink-400">
                  {r.metrics?.psnr !== undefined ? `${r.metrics.psnr.toFixed(2)} dB` : r.status}
                  {r.metrics?.ssim !== undefined ? ` · ${r.metrics.ssim.toFixed(3)}` : ''}
                  {r.seconds !== null ? ` · ${r.seconds.toFixed(1)}s` : ''}
                  {r.fromCache && (
                    <span className="ml-1 rounded bg-ink-700 px-1 font-sans text-ink-200" title="Nothing was computed again: the result came from the output cache" data-testid={`run-from-cache-${r.id}`}>
                      from cache
                    </span>
                  )}
                </div>
                <div className="truncate text-[10px] text-ink-500">
                  {when(r.createdAt)} {r.backend ? `· ${r.backend}` : ''}
                </div>
              </button>
              <div className="flex flex-none flex-col gap-0.5 text-[10.5px]">
                {(['a', 'b'] as const).map((slot) => (
                  <button
                    key={slot}
                    className={`rounded px-1.5 ${compare[slot] === r.id ? 'bg-accent text-white' : 'bg-ink-700 text-ink-300 hover:bg-ink-600'}`}
                    onClick={() => {
                      const s = useEditor.getState();
                      s.setCompare(slot, s.compare[slot] === r.id ? null : r.id);
                      s.setBottomTab('compare');
                    }}
                    data-testid={`run-compare-${slot}-${r.id}`}
                  >
                    {slot.toUpperCase()}
                  </button>
                ))}
              </div>
            </div>
            <div className="mt-0.5 flex items-center gap-3 text-[10.5px] text-ink-500">
              <button
                className={r.pinned ? 'text-accent' : 'hover:text-accent'}
                onClick={() => void change('Pin', () => client.run.pin.mutate({ runId: r.id, pinned: !r.pinned }))}
                title="Pinned runs are never deleted by prune or the quota"
                data-testid={`run-pin-${r.id}`}
                data-pinned={r.pinned}
              >
                {r.pinned ? 'pinned' : 'pin'}
              </button>
              {r.bytes > 0 && <span className="font-mono">{megabytes(r.bytes)}</span>}
              {r.status !== 'queued' && r.status !== 'running' && (
                <button
                  className={`ml-auto ${confirmDelete === r.id ? 'rounded bg-bad/80 px-1 text-white' : 'hover:text-bad'}`}
                  onClick={() => {
                    if (confirmDelete !== r.id) setConfirmDelete(r.id);
                    else void change('Delete', () => client.run.delete.mutate({ runId: r.id }));
                  }}
                  data-testid={`run-delete-${r.id}`}
                >
                  {confirmDelete === r.id ? 'delete?' : 'delete'}
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
