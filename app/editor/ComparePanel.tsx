'use client';
/** A/B compare: two runs' result images overlaid across the dock's full width, split by a wipe line, with their metrics. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTRPC } from '../trpc';
import type { RunRow } from './RunHistory';
import { useEditor } from './store';

function useRunRow(id: string | null) {
  const trpc = useTRPC();
  return useQuery({
    ...trpc.run.get.queryOptions({ runId: id ?? '' }),
    enabled: !!id,
    staleTime: 60_000,
  });
}

function Label({ slot, r }: { slot: string; r?: RunRow }) {
  return (
    <div className="text-[11.5px]">
      <span className="mr-1 rounded bg-ink-700 px-1 font-semibold text-ink-100">{slot}</span>
      <span className="text-ink-300">{r?.label ?? 'pick a run in Runs'}</span>
      {r?.metrics?.psnr !== undefined && <span className="ml-2 font-mono text-ink-400">{r.metrics.psnr.toFixed(2)} dB</span>}
      {r?.metrics?.ssim !== undefined && <span className="ml-1 font-mono text-ink-400">· SSIM {r.metrics.ssim.toFixed(3)}</span>}
    </div>
  );
}

export function ComparePanel() {
  const { a, b } = useEditor((s) => s.compare);
  const ra = useRunRow(a);
  const rb = useRunRow(b);
  const [split, setSplit] = useState(50);
  const ua = ra.data?.resultUrl ?? undefined;
  const ub = rb.data?.resultUrl ?? undefined;
  const pa = ra.data?.metrics?.psnr;
  const pb = rb.data?.metrics?.psnr;
  return (
    <div className="flex h-full flex-col gap-1.5 p-2" data-testid="compare-panel">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-0.5">
        <Label slot="A" r={ra.data} />
        <Label slot="B" r={rb.data} />
        {pa !== undefined && pb !== undefined && (
          <div className="font-mono text-[11.5px] text-ink-300" data-testid="compare-delta">
            ΔPSNR (B − A): {(pb - pa >= 0 ? '+' : '') + (pb - pa).toFixed(2)} dB
          </div>
        )}
        <div className="text-[11px] text-ink-500">Left of the line: A. Right: B. Drag across the picture.</div>
      </div>
      {/* The wipe spans the dock: the pictures fill its height, the line follows the pointer anywhere across. */}
      <div
        className="relative min-h-0 w-full flex-1 cursor-ew-resize overflow-hidden rounded border border-ink-600 bg-ink-950 select-none"
        onPointerMove={(e) => {
          if (e.buttons !== 1) return;
          const r = e.currentTarget.getBoundingClientRect();
          setSplit(Math.round(Math.min(100, Math.max(0, ((e.clientX - r.left) / r.width) * 100))));
        }}
        data-testid="compare-view"
      >
        {ua && <img src={ua} alt="A" className="pixelated absolute inset-0 h-full w-full object-contain" data-testid="compare-a" />}
        {ub && (
          <img src={ub} alt="B" className="pixelated absolute inset-0 h-full w-full object-contain" style={{ clipPath: `inset(0 0 0 ${split}%)` }} data-testid="compare-b" />
        )}
        {ua && ub && <div className="pointer-events-none absolute inset-y-0 w-px bg-white/80 shadow-[0_0_0_1px_rgb(0_0_0/0.4)]" style={{ left: `${split}%` }} />}
        {!ua && !ub && <div className="flex h-full items-center justify-center p-4 text-center text-[11px] text-ink-500">Pick runs A and B in the Runs tab.</div>}
      </div>
      <input type="range" min={0} max={100} value={split} onChange={(e) => setSplit(Number(e.target.value))} className="w-full" data-testid="compare-slider" aria-label="A/B split" />
    </div>
  );
}
