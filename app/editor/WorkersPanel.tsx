'use client';
/**
 * The Workers panel: which engine queues runs (the embedded runner, or BullMQ workers on
 * Redis), whether it is reachable, and per worker its name, backend, device, busy or idle and
 * the run it is on (`queue.workers`, polled every 2 s). The current run is marked.
 */
import { useQuery } from '@tanstack/react-query';
import type { RouterOutputs } from '../trpc';
import { useTRPC } from '../trpc';
import { useEditor } from './store';

type Overview = RouterOutputs['queue']['workers'];
type WorkerRow = Overview['workers'][number];

function ago(ms: number): string {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  return s < 60 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

function Worker({ w, currentRun }: { w: WorkerRow; currentRun: string | null }) {
  const busy = w.running.length > 0;
  return (
    <li className="border-b border-ink-800 px-2 py-1.5" data-testid="worker-row" data-worker={w.name} data-busy={busy}>
      <div className="flex items-center gap-1.5 text-[11.5px]">
        <span className={busy ? 'text-accent' : 'text-ok'} title={busy ? 'busy' : 'idle'}>
          ●
        </span>
        <span className="truncate text-ink-200">{w.name}</span>
        <span className="ml-auto flex-none rounded border border-ink-700 px-1 font-mono text-[10px] text-ink-400">{w.backend}</span>
      </div>
      <div className="truncate text-[10.5px] text-ink-400" title={w.device}>
        {w.device}
      </div>
      <div className="text-[10px] text-ink-500">
        {busy ? (
          w.running.map((id) => (
            <span key={id} className={`mr-1 font-mono ${id === currentRun ? 'text-accent' : ''}`} title={id}>
              run {id.slice(0, 8)}
              {id === currentRun ? ' (this one)' : ''}
            </span>
          ))
        ) : (
          <span>idle</span>
        )}
        {!w.local && <span> · {w.host}, pid {w.pid} · seen {ago(w.seenAt)}</span>}
      </div>
    </li>
  );
}

export function WorkersPanel() {
  const trpc = useTRPC();
  const currentRun = useEditor((s) => s.run.runId);
  const q = useQuery({ ...trpc.queue.workers.queryOptions(), refetchInterval: 2000 });
  const o = q.data;
  return (
    <div className="flex h-full flex-col" data-testid="workers-panel">
      <div className="border-b border-ink-700 px-2 py-1.5 text-[11px] text-ink-500">
        {o ? (
          <>
            <span data-testid="queue-kind">{o.kind === 'bullmq' ? 'BullMQ on Redis' : 'embedded queue (in the server)'}</span>
            {o.available && (
              <span data-testid="queue-counts">
                {' '}
                · {o.running} running · {o.waiting} waiting
              </span>
            )}
          </>
        ) : (
          'queue'
        )}
      </div>
      {o && !o.available && (
        <div className="border-b border-bad/40 bg-[#2a1417] px-2 py-1.5 text-[11px] text-[#ffb3b5]" role="alert" data-testid="queue-unavailable">
          {o.message ?? 'the run queue is unavailable'}
        </div>
      )}
      <ul className="scroll-thin min-h-0 flex-1 overflow-y-auto">
        {q.isLoading && <li className="px-3 py-2 text-ink-500">loading…</li>}
        {q.error && <li className="px-3 py-2 text-bad">Workers unavailable: {q.error.message}</li>}
        {o?.available && o.workers.length === 0 && (
          <li className="px-3 py-2 text-[11px] text-ink-500" data-testid="no-workers">
            No worker is connected: runs wait in the queue. Start one with <code className="text-ink-300">spgd worker</code>.
          </li>
        )}
        {o?.workers.map((w) => (
          <Worker key={w.id} w={w} currentRun={currentRun} />
        ))}
      </ul>
    </div>
  );
}
