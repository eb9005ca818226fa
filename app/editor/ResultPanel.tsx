'use client';
/**
 * The result of the current run: ground truth, measurement and restored image side by side
 * (the live D preview while it runs), the uncertainty map of a sampler with K > 1 samples (the
 * per-pixel std, on the heat scale with its legend), with PSNR/SSIM, the residual, time and NFE.
 */
import { useMemo } from 'react';
import { lookup, resultNodes } from './graph';
import { isActive, nfeTotal, probeKey } from './runTypes';
import { useEditor } from './store';
import { fmt, HeatLegend, TensorThumb } from './TensorView';

const SIZE = 176;

export function ResultPanel({ onSaveImage }: { onSaveImage: () => void }) {
  const run = useEditor((s) => s.run);
  const nodes = useEditor((s) => s.nodes);
  const edges = useEditor((s) => s.edges);
  const picks = useMemo(() => resultNodes(nodes, edges), [nodes, edges]);
  if (!run.runId) {
    return <div className="p-4 text-ink-500">Press Run (or Ctrl+Enter) to restore the image; the result and its metrics appear here.</div>;
  }
  const ended = !isActive(run.status);
  const has = (node: string | undefined, port: string) => !!node && (Object.hasOwn(run.probes, probeKey(node, port)) || run.status === 'finished');
  const preview = picks.sampler ? run.previews[picks.sampler] : undefined;
  const spread = picks.uncertainty ? lookup(run.probes, probeKey(picks.uncertainty.node, picks.uncertainty.port)) : undefined;
  const restoredSize = picks.sampler ? lookup(run.probes, probeKey(picks.sampler, 'image'))?.shape.slice(1) : undefined;
  const m = run.finished?.metrics;
  return (
    <div className="flex h-full gap-4 overflow-x-auto p-3" data-testid="result-panel">
      {picks.groundTruth && has(picks.groundTruth.node, picks.groundTruth.port) && (
        <TensorThumb q={{ runId: run.runId, ...picks.groundTruth }} label="ground truth" size={SIZE} testId="result-gt" />
      )}
      {picks.measurement && has(picks.measurement.node, picks.measurement.port) && (
        <TensorThumb q={{ runId: run.runId, ...picks.measurement }} label="measurement y" size={SIZE} testId="result-measurement" />
      )}
      <figure className="flex flex-col items-center gap-0.5" style={{ width: SIZE }}>
        <div className="flex items-center justify-center overflow-hidden rounded border border-ink-600 bg-ink-900" style={{ width: SIZE, height: SIZE }}>
          {run.status === 'finished' && run.resultUrl ? (
            <img src={run.resultUrl} alt="restored" className="pixelated h-full w-full object-contain" data-testid="result-image" />
          ) : run.status === 'finished' && picks.sampler ? (
            <TensorThumb q={{ runId: run.runId, node: picks.sampler, port: 'image' }} label="" size={SIZE - 2} testId="result-image" />
          ) : preview ? (
            <img src={preview.png} alt="D preview" className="pixelated h-full w-full object-contain opacity-90" data-testid="result-preview" />
          ) : (
            <span className="text-[11px] text-ink-500">{ended ? 'no result' : 'waiting…'}</span>
          )}
        </div>
        <figcaption className="text-[10.5px] text-ink-300">
          {run.status === 'finished' && run.resultUrl ? (
            <a href={run.resultUrl} target="_blank" rel="noreferrer" className="underline decoration-dotted hover:text-ink-100" data-testid="result-full-size" title="The restoration at its full size, in a new tab">
              restored{restoredSize ? `, ${restoredSize[1]}×${restoredSize[0]} px` : ''} ↗
            </a>
          ) : run.status === 'finished' ? (
            'restored'
          ) : preview ? (
            `D at step ${preview.step}`
          ) : (
            'restored'
          )}
        </figcaption>
      </figure>
      {picks.uncertainty && spread && (spread.stats?.max ?? 0) > 0 && (
        <div className="flex flex-col items-center gap-1" data-testid="result-uncertainty">
          <TensorThumb q={{ runId: run.runId, ...picks.uncertainty }} label={spread.summary ?? 'uncertainty (per-pixel std)'} size={SIZE} />
          <HeatLegend max={spread.stats?.max} unit="std" />
        </div>
      )}
      <div className="flex min-w-48 flex-col gap-2 text-[12px]">
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 font-mono text-[12px]" data-testid="result-metrics">
          <dt className="text-ink-500">PSNR</dt>
          <dd data-testid="metric-psnr">{m?.psnr !== undefined ? `${fmt(m.psnr)} dB` : '—'}</dd>
          <dt className="text-ink-500">SSIM</dt>
          <dd data-testid="metric-ssim">{m?.ssim !== undefined ? fmt(m.ssim) : '—'}</dd>
          <dt className="text-ink-500">‖Ax − y‖</dt>
          <dd data-testid="metric-residual" title="data consistency; a perfect restoration leaves the noise floor sqrt(m)·sigma_y">
            {m?.residual !== undefined && m.residual !== null ? fmt(m.residual) : '—'}
            {m?.noiseFloor !== undefined && <span className="text-ink-500"> (noise floor {fmt(m.noiseFloor)})</span>}
          </dd>
          <dt className="text-ink-500">time</dt>
          <dd>{run.finished ? `${run.finished.seconds.toFixed(2)} s` : '—'}</dd>
          <dt className="text-ink-500">NFE</dt>
          <dd>{nfeTotal(run.finished?.nfe ?? run.progress?.nfe) ?? '—'}</dd>
          <dt className="text-ink-500">backend</dt>
          <dd>{run.backend ?? 'server'}</dd>
          <dt className="text-ink-500">run</dt>
          <dd className="truncate" title={run.runId}>
            {run.runId}
          </dd>
        </dl>
        {run.status === 'finished' && (
          <button onClick={onSaveImage} className="w-fit rounded border border-ink-600 px-2 py-0.5 text-[12px] hover:bg-ink-700" data-testid="result-save-image">
            Save image (PNG + graph)
          </button>
        )}
        {run.status === 'error' && run.error && (
          <div className="max-w-md text-[12px] text-bad-fg" data-testid="result-error">
            {run.error.node ? <span className="font-mono">{run.error.node}: </span> : null}
            {run.error.message}
          </div>
        )}
      </div>
    </div>
  );
}
