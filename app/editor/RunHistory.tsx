'use client';
/**
 * Run history (`run.list`, newest first) with metrics and thumbnails. A run can be opened
 * (its result, traces and probes become the current view), its graph restored, or picked as
 * A or B for the compare slider.
 */
import { useQuery } from '@tanstack/react-query';
import { useTRPC, useTRPCClient } from '../trpc';
import { parseDocument } from './graph';
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

export function RunHistory() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const currentRun = useEditor((s) => s.run.runId);
  const compare = useEditor((s) => s.compare);
  const list = useQuery({ ...trpc.run.list.queryOptions({ limit: 30 }), select: (d) => d.items, refetchInterval: 10_000 });

  const open = async (id: string, restoreGraph: boolean) => {
    try {
      const rec = await client.run.get.query({ runId: id });
      const s = useEditor.getState();
      if (restoreGraph) {
        const parsed = parseDocument(rec.document);
        if (!parsed.ok) throw new Error(parsed.error);
        s.loadDocument(parsed.doc, { presetId: null });
      }
      s.showRun(recordToRunState(rec));
      s.setBottomTab('result');
    } catch (e) {
      useEditor.getState().toast('error', `Could not open run ${id}: ${errorMessage(e)}`);
    }
  };

  return (
    <div className="flex h-full flex-col" data-testid="runs-panel">
      <div className="flex items-center justify-between border-b border-ink-700 px-2 py-1.5 text-[11px] text-ink-500">
        <span>newest first · pick A and B to compare</span>
        <button className="hover:text-ink-200" onClick={() => void list.refetch()}>
          ↻
        </button>
      </div>
      <ul className="scroll-thin min-h-0 flex-1 overflow-y-auto">
        {list.isLoading && <li className="px-3 py-2 text-ink-500">loading…</li>}
        {list.error && <li className="px-3 py-2 text-bad">Runs unavailable: {list.error.message}</li>}
        {list.data?.length === 0 && <li className="px-3 py-2 text-ink-500">No runs yet.</li>}
        {list.data?.map((r) => (
          <li key={r.id} className={`border-b border-ink-800 px-2 py-1.5 ${currentRun === r.id ? 'bg-accent/10' : ''}`} data-testid={`run-row-${r.id}`}>
            <div className="flex gap-2">
              {r.thumbnail ? (
                <img src={r.thumbnail} alt="" className="pixelated h-10 w-10 flex-none rounded border border-ink-700 object-cover" />
              ) : (
                <div className="h-10 w-10 flex-none rounded border border-ink-700 bg-ink-800" />
              )}
              <button className="min-w-0 flex-1 text-left" onClick={() => void open(r.id, false)} title="Show this run's result, traces and tensors">
                <div className="flex items-center gap-1 text-[11.5px]">
                  <span className={r.status === 'finished' ? 'text-ok' : r.status === 'failed' || r.status === 'interrupted' ? 'text-bad' : 'text-warn'}>●</span>
                  <span className="truncate text-ink-200">{r.name ?? r.id}</span>
                </div>
                <div className="font-mono text-[10.5px] text-ink-400">
                  {r.metrics?.psnr !== undefined ? `${r.metrics.psnr.toFixed(2)} dB` : r.status}
                  {r.metrics?.ssim !== undefined ? ` · ${r.metrics.ssim.toFixed(3)}` : ''}
                  {r.seconds !== null ? ` · ${r.seconds.toFixed(1)}s` : ''}
                </div>
                <div className="text-[10px] text-ink-500">
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
            <button className="mt-0.5 text-[10.5px] text-ink-500 hover:text-accent" onClick={() => void open(r.id, true)} data-testid={`run-restore-${r.id}`}>
              restore graph
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
