'use client';
/**
 * The run bar: Run (Ctrl/Cmd+Enter), Cancel, progress as step/total with an ETA, the queue
 * position, the backend that ran, and the result's metrics.
 */
import { useShallow } from 'zustand/react/shallow';
import { BACKEND_CHOICES, etaSeconds, isActive, nfeTotal, type BackendChoice } from './runTypes';
import { useEditor } from './store';

function fmtSeconds(s: number): string {
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
  const { run, compile, backendChoice, setBackendChoice } = useEditor(
    useShallow((s) => ({ run: s.run, compile: s.compile, backendChoice: s.backendChoice, setBackendChoice: s.setBackendChoice })),
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
  const eta = etaSeconds(p);
  const statusColor =
    run.status === 'finished' ? 'text-ok' : run.status === 'error' ? 'text-bad' : run.status === 'cancelled' ? 'text-warn' : active ? 'text-accent' : 'text-ink-400';
  return (
    <div className="flex min-w-0 items-center gap-2" data-testid="run-bar">
      <select
        value={backendChoice}
        onChange={(e) => setBackendChoice(e.target.value as BackendChoice)}
        disabled={active}
        className="rounded border border-ink-600 bg-ink-950 px-1 py-1 text-[11.5px] text-ink-200 disabled:opacity-40"
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
        disabled={active}
        className="flex items-center gap-1.5 rounded bg-accent px-3 py-1 text-[12.5px] font-semibold text-white hover:brightness-110 disabled:cursor-not-allowed disabled:opacity-40"
        title="Run the graph (Ctrl/Cmd+Enter)"
        data-testid="run-button"
      >
        <svg width="10" height="10" viewBox="0 0 10 10" aria-hidden>
          <path d="M1 0.5 L9.5 5 L1 9.5 Z" fill="currentColor" />
        </svg>
        Run
      </button>
      <button
        onClick={onCancel}
        disabled={!active || !run.runId}
        className="rounded border border-ink-600 px-2.5 py-1 text-[12.5px] text-ink-200 hover:bg-ink-700 disabled:cursor-not-allowed disabled:opacity-35"
        data-testid="cancel-button"
      >
        Cancel
      </button>

      <div className="flex w-44 flex-none flex-col gap-0.5">
        <div className="h-2 overflow-hidden rounded bg-ink-700" data-testid="run-progress" data-step={p?.step ?? 0} data-steps={p?.steps ?? 0}>
          <div
            className={`h-full transition-[width] duration-200 ${run.status === 'error' ? 'bg-bad' : run.status === 'cancelled' ? 'bg-warn' : run.status === 'finished' ? 'bg-ok' : 'bg-accent'} ${active ? 'progress-running' : ''}`}
            style={{ width: `${pct}%` }}
          />
        </div>
        <div className="flex justify-between font-mono text-[10.5px] text-ink-400">
          <span data-testid="run-steps">{p ? `step ${p.step}/${p.steps}` : run.status === 'idle' && compile.plan ? `${compile.plan.steps.length} nodes` : ''}</span>
          <span data-testid="run-eta">
            {active && eta !== undefined ? `ETA ${fmtSeconds(eta)}` : active ? '' : run.status === 'idle' && compile.plan ? `~${fmtSeconds(compile.plan.estimate.seconds)}` : ''}
          </span>
        </div>
      </div>

      <div className="flex min-w-0 flex-col text-[11.5px] leading-tight">
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
              {run.finished.metrics.psnr !== undefined && `PSNR ${run.finished.metrics.psnr.toFixed(2)} dB · `}
              {run.finished.metrics.ssim !== undefined && `SSIM ${run.finished.metrics.ssim.toFixed(3)} · `}
              {fmtSeconds(run.finished.seconds)}
              {run.finished.nfe !== undefined && ` · ${nfeTotal(run.finished.nfe)} NFE`}
            </span>
          ) : run.status === 'error' && run.error ? (
            <span className="text-[#ff9a9d]" title={run.error.message} data-testid="run-error">
              {run.error.node ? `${run.error.node}: ` : ''}
              {run.error.message}
            </span>
          ) : active && run.download ? (
            <span data-testid="run-download">
              downloading {run.download.model}: {fmtMiB(run.download.loaded)}
              {run.download.total ? ` / ${fmtMiB(run.download.total)}` : ''}
            </span>
          ) : active && p ? (
            `${fmtSeconds(p.elapsedMs / 1000)} elapsed${p.nfe !== undefined ? ` · ${nfeTotal(p.nfe)} NFE` : ''}`
          ) : (
            ''
          )}
        </span>
      </div>
      {run.runId && (
        <span className="ml-1 flex-none rounded border border-ink-700 px-1.5 py-0.5 font-mono text-[10.5px] text-ink-400" title={`run ${run.runId}`} data-testid="run-backend">
          {run.backend ?? 'server'}
        </span>
      )}
      {run.runId && run.note && (
        <span className="truncate text-[10.5px] text-warn" title={run.note} data-testid="run-note">
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
