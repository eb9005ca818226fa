'use client';
/**
 * The run bar: Run (Ctrl/Cmd+Enter; while a run is going it queues another), Cancel, progress as
 * step/total with an ETA (the plan's estimate at first, the measured pace after a few steps), the
 * queue position and the runs queued from this tab, the backend that ran, what a browser run is
 * loading, and the result's metrics ("from cache" when nothing was computed again).
 */
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { browserBackendOf, browserEstimate } from './browserSpeed';
import { BACKEND_CHOICES, etaMeasured, etaSeconds, isActive, nfeTotal, type BackendChoice } from './runTypes';
import { useEditor } from './store';

/** The wall clock, ticking once a second while `on` (the ETA counts down between events). */
function useNow(on: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [on]);
  return now;
}

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '-';
  if (s < 0.1) return '<0.1 s';
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 90) return `${Math.round(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

const STATUS_TEXT = {
  idle: 'ready',
  starting: 'starting…',
  queued: 'queued',
  running: 'running',
  finished: 'finished',
  error: 'failed',
  cancelled: 'cancelled',
} as const;

function fmtMiB(b: number): string {
  return `${(b / 2 ** 20).toFixed(1)} MiB`;
}

export function RunBar({ onRun, onCancel }: { onRun: () => void; onCancel: () => void }) {
  const { run, compile, backendChoice, setBackendChoice, queued } = useEditor(
    useShallow((s) => ({ run: s.run, compile: s.compile, backendChoice: s.backendChoice, setBackendChoice: s.setBackendChoice, queued: s.queue.length })),
  );
  const runOnServer = () => {
    setBackendChoice('server');
    onRun();
  };
  const runInBrowser = () => {
    setBackendChoice('browser-auto');
    onRun();
  };
  const active = isActive(run.status);
  const p = run.progress;
  const pct = p && p.steps > 0 ? Math.min(100, (100 * p.step) / p.steps) : run.status === 'finished' ? 100 : 0;
  const now = useNow(active);
  const eta = active ? etaSeconds(run, now) : undefined;
  // Before a run: the plan's time on the chosen backend (this browser's own speed for the browser).
  const idleEstimate = compile.plan ? (backendChoice === 'server' ? compile.plan.estimate.seconds : (browserEstimate(compile.plan, browserBackendOf(backendChoice))?.seconds ?? compile.plan.estimate.seconds)) : undefined;
  const statusColor =
    run.status === 'finished' ? 'text-ok' : run.status === 'error' ? 'text-bad' : run.status === 'cancelled' ? 'text-warn' : active ? 'text-accent' : 'text-ink-400';
  return (
    <div className="flex min-w-0 items-center gap-2" data-testid="run-bar">
      <select
        value={backendChoice}
        onChange={(e) => setBackendChoice(e.target.value as BackendChoice)}
        className="w-[6.5rem] flex-none rounded border border-ink-600 bg-ink-950 px-1 py-1 text-[11.5px] text-ink-200 disabled:opacity-40 xl:w-auto"
        title="Where the graph runs: the server queue, or this tab with ONNX Runtime Web (WebGPU when available, else wasm)"
        data-testid="backend-select"
      >
        {BACKEND_CHOICES.map((c) => (
          <option key={c.value} value={c.value}>
            {c.label}
          </option>
        ))}
      </select>
      <button
        onClick={onRun}
        disabled={run.status === 'starting'}
        className="flex flex-none items-center gap-1.5 rounded bg-accent px-3 py-1 text-[12.5px] font-semibold text-white hover:brightness-110 disabled:cursor-not-allowed disabled:opacity-40"
        title={active ? 'Queue another run of the graph as it is now (Ctrl/Cmd+Enter)' : 'Run the graph (Ctrl/Cmd+Enter)'}
        data-testid="run-button"
      >
        <svg width="10" height="10" viewBox="0 0 10 10" aria-hidden>
          <path d="M1 0.5 L9.5 5 L1 9.5 Z" fill="currentColor" />
        </svg>
        {active ? 'Queue' : 'Run'}
      </button>
      {queued > 0 && (
        <span className="flex-none rounded bg-ink-700 px-1.5 py-0.5 font-mono text-[10.5px] text-ink-200" title="Runs queued from this tab" data-testid="run-queued">
          +{queued} queued
        </span>
      )}
      <button
        onClick={onCancel}
        disabled={!active || !run.runId}
        className="flex-none rounded border border-ink-600 px-2.5 py-1 text-[12.5px] text-ink-200 hover:bg-ink-700 disabled:cursor-not-allowed disabled:opacity-35 max-sm:hidden"
        data-testid="cancel-button"
      >
        Cancel
      </button>

      <div className="flex w-24 flex-none flex-col gap-0.5 sm:w-28 xl:w-44">
        <div className="h-2 overflow-hidden rounded bg-ink-700" data-testid="run-progress" data-step={p?.step ?? 0} data-steps={p?.steps ?? 0}>
          <div
            className={`h-full transition-[width] duration-200 ${run.status === 'error' ? 'bg-bad' : run.status === 'cancelled' ? 'bg-warn' : run.status === 'finished' ? 'bg-ok' : 'bg-accent'} ${active ? 'progress-running' : ''}`}
            style={{ width: `${pct}%` }}
          />
        </div>
        <div className="flex justify-between font-mono text-[10.5px] text-ink-400">
          <span className="max-sm:hidden" data-testid="run-steps">{p ? `step ${p.step}/${p.steps}` : run.status === 'idle' && compile.plan ? `${compile.plan.steps.length} nodes` : ''}</span>
          <span data-testid="run-eta" data-source={active && eta !== undefined ? (etaMeasured(run) ? 'measured' : 'estimate') : undefined} title={active ? (etaMeasured(run) ? 'from the pace of the steps so far' : "from the plan's estimate") : 'estimated time of a run'}>
            {active && eta !== undefined ? `ETA ${fmtSeconds(eta)}` : active ? '' : run.status === 'idle' && idleEstimate !== undefined ? `~${fmtSeconds(idleEstimate)}` : ''}
          </span>
        </div>
      </div>

      <div className="flex min-w-0 max-w-72 flex-col text-[11.5px] leading-tight max-sm:hidden">
        <span className={`font-semibold ${statusColor}`} data-testid="run-status" data-status={run.status}>
          {STATUS_TEXT[run.status]}
          {run.status === 'queued' && run.position !== undefined && (
            <span className="ml-1 font-normal text-ink-300" data-testid="run-queue">
              (position {run.position})
            </span>
          )}
        </span>
        <span className="truncate text-ink-500">
          {run.status === 'finished' && run.finished ? (
            <span data-testid="run-metrics">
              {run.fromCache && (
                <span className="mr-1 rounded bg-ink-700 px-1 text-ink-200" title="Every node's output was reused from an earlier run with the same inputs" data-testid="run-from-cache">
                  from cache
                </span>
              )}
              {run.finished.metrics.psnr !== undefined && `PSNR ${run.finished.metrics.psnr.toFixed(2)} dB · `}
              {run.finished.metrics.ssim !== undefined && `SSIM ${run.finished.metrics.ssim.toFixed(3)} · `}
              {fmtSeconds(run.finished.seconds)}
              {run.finished.nfe !== undefined && ` · ${nfeTotal(run.finished.nfe)} NFE`}
            </span>
          ) : run.status === 'error' && run.error ? (
            <span className="text-bad-fg" title={run.error.message} data-testid="run-error">
              {run.error.node ? `${run.error.node}: ` : ''}
              {run.error.message}
            </span>
          ) : active && run.download ? (
            <span data-testid="run-download">
              {run.download.phase === 'compile'
                ? `preparing ${run.download.model}: compiling its gradient…`
                : run.download.phase === 'calibrate'
                  ? `measuring this browser's speed (once)${run.download.total ? `: downloading ${fmtMiB(run.download.loaded)} / ${fmtMiB(run.download.total)}` : '…'}`
                : `downloading ${run.download.model}: ${fmtMiB(run.download.loaded)}${run.download.total ? ` / ${fmtMiB(run.download.total)}` : ''}`}
            </span>
          ) : active && p ? (
            `${fmtSeconds(p.elapsedMs / 1000)} elapsed${p.nfe !== undefined ? ` · ${nfeTotal(p.nfe)} NFE` : ''}`
          ) : (
            ''
          )}
        </span>
      </div>
      {run.runId && (
        <span className="ml-1 flex-none rounded border border-ink-700 px-1.5 py-0.5 font-mono text-[10.5px] text-ink-400 max-2xl:hidden" title={`run ${run.runId}`} data-testid="run-backend">
          {run.backend ?? 'server'}
        </span>
      )}
      {run.runId && run.note && (
        <span className="truncate text-[10.5px] text-warn max-2xl:hidden" title={run.note} data-testid="run-note">
          {run.note}
        </span>
      )}
      {run.status === 'error' && run.error?.code === 'BROWSER_RESOURCE' && (
        <button onClick={runOnServer} className="flex-none rounded border border-ink-600 px-2 py-0.5 text-[11.5px] text-ink-200 hover:bg-ink-700" data-testid="run-on-server">
          Run on the server
        </button>
      )}
      {run.status === 'error' && run.error?.code === 'RUN_TOO_LARGE' && (
        <button onClick={runInBrowser} className="flex-none rounded border border-ink-600 px-2 py-0.5 text-[11.5px] text-ink-200 hover:bg-ink-700" data-testid="run-in-browser">
          Run in the browser
        </button>
      )}
    </div>
  );
}
