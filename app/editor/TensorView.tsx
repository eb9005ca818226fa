'use client';
/**
 * Tensor pictures and numbers from `tensor.get`: a thumbnail (used by the result panel and the
 * step timeline) and the pieces of the inspector (stats table, histogram).
 */
import { skipToken, useQuery } from '@tanstack/react-query';
import { heatGradientCss } from '../../lib/plan/heat';
import { useTRPC, type RouterOutputs } from '../trpc';
import { browserTensor, isBrowserRun } from './browserRun';

export type TensorData = RouterOutputs['tensor']['get'];

export interface TensorQuery {
  runId: string;
  node: string;
  port: string;
  step?: number;
  channel?: number;
}

export function useTensor(q: TensorQuery | null) {
  const trpc = useTRPC();
  const local = !!q && isBrowserRun(q.runId);
  const server = useQuery({
    ...trpc.tensor.get.queryOptions(q ?? { runId: '', node: '', port: '' }),
    enabled: !!q && !local,
    staleTime: Infinity,
    retry: false,
  });
  // Browser runs: the tensors the worker published, kept in this tab (lib/plan/render.ts
  // draws them exactly as the server's tensor.get does).
  const browser = useQuery<TensorData>({
    queryKey: ['browser-tensor', q],
    queryFn: q && local ? () => browserTensor(q) : skipToken,
    staleTime: Infinity,
    retry: false,
  });
  return local ? browser : server;
}

export function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return String(Number(v.toPrecision(digits)));
}

export function SignedLegend() {
  return (
    <div className="flex items-center gap-1 text-[10px] text-ink-400">
      <span>−max</span>
      <span className="h-2 w-16 rounded-sm" style={{ background: 'linear-gradient(90deg, #0000ff, #ffffff, #ff0000)' }} />
      <span>+max</span>
    </div>
  );
}

/** The heat scale of a non-negative map, 0 to its maximum, with what the values are. */
export function HeatLegend({ max, unit }: { max: number | null | undefined; unit: string }) {
  return (
    <div className="flex items-center gap-1 text-[10px] text-ink-400" data-testid="heat-legend">
      <span>0</span>
      <span className="h-2 w-20 rounded-sm" style={{ background: heatGradientCss() }} />
      <span className="font-mono">{fmt(max, 3)}</span>
      <span>{unit}</span>
    </div>
  );
}

export function TensorThumb({ q, label, size = 120, testId }: { q: TensorQuery; label: string; size?: number; testId?: string }) {
  const t = useTensor(q);
  return (
    <figure className="flex flex-col items-center gap-0.5" style={{ width: size }} data-testid={testId}>
      <div className="flex items-center justify-center overflow-hidden rounded border border-ink-700 bg-ink-900" style={{ width: size, height: size }}>
        {t.data?.png ? (
          <img src={t.data.png} alt={label} className="pixelated h-full w-full object-contain" />
        ) : (
          <span className="px-1 text-center text-[10px] text-ink-500">{t.isLoading ? 'loading…' : t.error ? 'not available' : 'no picture'}</span>
        )}
      </div>
      <figcaption className="w-full truncate text-center text-[10.5px] text-ink-300" title={label}>
        {label}
      </figcaption>
      {t.data?.stats && (
        <div className="font-mono text-[9.5px] text-ink-500">
          [{fmt(t.data.stats.min, 3)}, {fmt(t.data.stats.max, 3)}]
        </div>
      )}
    </figure>
  );
}

export function StatsTable({ t }: { t: TensorData }) {
  const s = t.stats;
  const nan = s.nanCount;
  const inf = s.infCount;
  const cells: [string, string, boolean?][] = [
    ['min', fmt(s.min)],
    ['max', fmt(s.max)],
    ['mean', fmt(s.mean)],
    ['std', fmt(s.std)],
    ['NaN', String(nan), nan > 0],
    ['Inf', String(inf), inf > 0],
  ];
  return (
    <div className="font-mono text-[11.5px]" data-testid="inspector-stats">
      <div className="mb-1 flex gap-3">
        <span>
          <span className="text-ink-500">shape </span>
          <span className="text-ink-100" data-testid="stat-shape">{`[${t.shape.join(', ')}]`}</span>
        </span>
        <span>
          <span className="text-ink-500">dtype </span>
          <span className="text-ink-200" data-testid="stat-dtype">{t.dtype}</span>
        </span>
      </div>
      <dl className="grid grid-cols-[auto_1fr_auto_1fr] gap-x-2 gap-y-0.5">
        {cells.map(([k, v, bad]) => (
          <div key={k} className="contents">
            <dt className="text-ink-500">{k}</dt>
            <dd className={`truncate ${bad ? 'text-bad' : 'text-ink-200'}`} title={v} data-testid={`stat-${k.toLowerCase()}`}>
              {v}
            </dd>
          </div>
        ))}
      </dl>
    </div>
  );
}

export function Histogram({ h, width = 260, height = 90 }: { h: { edges: number[]; counts: number[] }; width?: number; height?: number }) {
  const max = Math.max(1, ...h.counts);
  const n = h.counts.length;
  const bw = width / Math.max(1, n);
  const lo = h.edges[0];
  const hi = h.edges[h.edges.length - 1];
  const zeroX = lo < 0 && hi > 0 ? ((0 - lo) / (hi - lo)) * width : null;
  return (
    <div data-testid="inspector-histogram">
      <svg width={width} height={height} className="block rounded bg-ink-900">
        {h.counts.map((c, i) => {
          const bh = c === 0 ? 0 : Math.max(1, (Math.sqrt(c) / Math.sqrt(max)) * (height - 4));
          return <rect key={i} x={i * bw + 0.5} y={height - bh} width={Math.max(0.5, bw - 1)} height={bh} fill="var(--color-accent)" opacity={0.85} />;
        })}
        {zeroX !== null && <line x1={zeroX} x2={zeroX} y1={0} y2={height} stroke="#fff" strokeOpacity={0.35} strokeDasharray="2 2" />}
      </svg>
      <div className="flex justify-between font-mono text-[10px] text-ink-500" style={{ width }}>
        <span>{fmt(lo, 3)}</span>
        <span className="text-ink-600">√count</span>
        <span>{fmt(hi, 3)}</span>
      </div>
    </div>
  );
}
