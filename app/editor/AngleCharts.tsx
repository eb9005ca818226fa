'use client';
/**
 * Gradient-angle panel (spgd-algorithm.md section 8): conflict and fluctuation (raw vs after
 * ADM) and prior stability, the ADM weight, the residual norm, and PSNR/SSIM of D, on one
 * shared step axis (synchronised tooltips) with round tick values. Fed live by the run's `trace`
 * events. A Gradient angles node wired to the sampler's trace picks the curves (its `show`).
 */
import { useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { AppEdge, AppNode } from './graph';
import type { TraceJson } from './runTypes';
import { useEditor } from './store';
import { SamplerPicker } from './SamplerPicker';

export interface ChartRow {
  step: number;
  conflict: number | null;
  fluctuationRaw: number | null;
  fluctuationAdm: number | null;
  priorStability: number | null;
  admWeight: number | null;
  residualNorm: number | null;
  psnr: number | null;
  ssim: number | null;
}

const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function chartRows(traces: readonly TraceJson[]): ChartRow[] {
  return traces.map((t) => {
    const w = t.admWeights.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    return {
      step: t.step,
      conflict: num(t.conflict),
      fluctuationRaw: num(t.fluctuationRaw),
      fluctuationAdm: num(t.fluctuationAdm),
      priorStability: num(t.priorStability),
      admWeight: w.length ? w.reduce((a, b) => a + b, 0) / w.length : null,
      residualNorm: num(t.residualNorm),
      psnr: num(t.psnr),
      ssim: num(t.ssim),
    };
  });
}

/** The curves a chart can draw, by the name the Gradient angles node's `show` param uses. */
export type CurveKey = 'conflict' | 'fluctuationRaw' | 'fluctuationAdm' | 'priorStability' | 'admWeight' | 'residualNorm' | 'psnr';
const ALL_CURVES: readonly CurveKey[] = ['conflict', 'fluctuationRaw', 'fluctuationAdm', 'priorStability', 'admWeight', 'residualNorm', 'psnr'];

/**
 * The curves to draw for a sampler: what the nodes wired to its trace ask for with a `show`
 * param (together), or every curve when none does.
 */
export function shownCurves(sampler: string, nodes: readonly AppNode[], edges: readonly AppEdge[]): ReadonlySet<CurveKey> {
  const asked = edges
    .filter((e) => e.source === sampler)
    .flatMap((e) => {
      const show = nodes.find((n) => n.id === e.target && n.data.mode !== 'bypass')?.data.params.show;
      return Array.isArray(show) ? [show.filter((k): k is CurveKey => ALL_CURVES.includes(k as CurveKey))] : [];
    });
  return new Set(asked.length ? asked.flat() : ALL_CURVES);
}

/** Round tick values from 0 to `max` (steps of 1, 2 or 5 times a power of ten), at most about `count`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const ticks: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** A tick label: at most 3 significant digits (0.2996... -> 0.3). */
export const tickLabel = (v: number): string => String(Number(v.toPrecision(3)));

const AXIS = { stroke: 'var(--color-ink-500)', fontSize: 10, tickLine: false } as const;
const TOOLTIP = {
  contentStyle: { background: 'var(--color-ink-900)', border: '1px solid var(--color-ink-600)', fontSize: 11, padding: '4px 8px' },
  labelStyle: { color: 'var(--color-ink-400)' },
  labelFormatter: (l: unknown) => `step ${String(l)}`,
  formatter: (v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(4)) : String(v)),
  isAnimationActive: false,
} as const;

function Chart({
  title,
  rows,
  maxStep,
  lines,
  yDomain,
  right,
  logY,
  testId,
}: {
  title: string;
  rows: ChartRow[];
  maxStep: number;
  lines: { key: keyof ChartRow; name: string; color: string; dashed?: boolean; axis?: 'left' | 'right' }[];
  yDomain?: [number | 'auto', number | 'auto'];
  right?: { domain: [0, number] };
  logY?: boolean;
  testId: string;
}) {
  return (
    <div className="flex min-w-0 flex-col rounded border border-ink-700 bg-ink-900/60 p-1.5" data-testid={testId}>
      <div className="px-1 text-[11px] font-semibold text-ink-300">{title}</div>
      <div className="min-h-0 flex-1">
        <ResponsiveContainer width="100%" height="100%" minHeight={110}>
          <LineChart data={rows} syncId="spgd-steps" margin={{ top: 4, right: right ? 4 : 12, bottom: 0, left: -14 }}>
            <CartesianGrid stroke="var(--color-ink-700)" strokeDasharray="2 3" />
            <XAxis dataKey="step" type="number" domain={[0, maxStep]} ticks={niceTicks(maxStep)} allowDecimals={false} {...AXIS} />
            <YAxis yAxisId="left" scale={logY ? 'log' : 'auto'} domain={yDomain ?? ['auto', 'auto']} {...AXIS} width={44} tickFormatter={tickLabel} />
            {right && <YAxis yAxisId="right" orientation="right" domain={right.domain} ticks={niceTicks(right.domain[1], 4)} {...AXIS} width={34} tickFormatter={tickLabel} />}
            <Tooltip {...TOOLTIP} />
            <Legend wrapperStyle={{ fontSize: 10, lineHeight: '12px' }} iconSize={8} />
            {lines.map((l) => (
              <Line
                key={l.key}
                yAxisId={l.axis ?? 'left'}
                type="linear"
                dataKey={l.key}
                name={l.name}
                stroke={l.color}
                strokeWidth={1.4}
                strokeDasharray={l.dashed ? '4 2' : undefined}
                dot={false}
                isAnimationActive={false}
                connectNulls={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}

export function AngleCharts() {
  const traces = useEditor((s) => s.run.traces);
  const steps = useEditor((s) => s.run.progress?.steps);
  const nodes = useEditor((s) => s.nodes);
  const edges = useEditor((s) => s.edges);
  const samplers = Object.keys(traces);
  const [picked, setPicked] = useState<string | null>(null);
  const node = picked !== null && Object.hasOwn(traces, picked) ? picked : samplers[0];
  const rows = useMemo(() => chartRows(node ? traces[node] : []), [traces, node]);
  const show = useMemo(() => (node ? shownCurves(node, nodes, edges) : new Set<CurveKey>()), [node, nodes, edges]);
  if (!node || rows.length === 0) {
    return <div className="p-4 text-ink-500">Run a graph with a sampler: its per-step gradient angles appear here while it runs.</div>;
  }
  // Steps are numbered from 0: the axis ends at the last one.
  const maxStep = Math.max((steps ?? 0) - 1, rows[rows.length - 1].step);
  const angleLines = (
    [
      { key: 'conflict', name: 'conflict', color: '#f2555a' },
      { key: 'fluctuationRaw', name: 'fluct. raw', color: '#f5b73b', dashed: true },
      { key: 'fluctuationAdm', name: 'fluct. ADM', color: '#3ecf8e' },
      { key: 'priorStability', name: 'prior stab.', color: '#b57cff' },
    ] as const
  ).filter((l) => show.has(l.key));
  const hasAdm = rows.some((r) => r.admWeight !== null);
  const hasQuality = rows.some((r) => r.psnr !== null || r.ssim !== null);
  const residualPositive = rows.every((r) => r.residualNorm === null || r.residualNorm > 0);
  return (
    <div className="flex h-full flex-col gap-1.5 p-2" data-testid="angle-charts">
      <div className="flex items-center gap-2 text-[11.5px] text-ink-400">
        <SamplerPicker samplers={samplers} value={node} onPick={setPicked} />
        <span data-testid="angle-steps">{rows.length} steps traced</span>
      </div>
      <div className="grid min-h-0 flex-1 grid-cols-2 grid-rows-2 gap-1.5 xl:auto-cols-fr xl:grid-flow-col xl:grid-cols-none xl:grid-rows-1">
        {angleLines.length > 0 && <Chart title="Angles (degrees)" rows={rows} maxStep={maxStep} yDomain={[0, 180]} testId="chart-angles" lines={[...angleLines]} />}
        {show.has('admWeight') && (
          <Chart
            title="ADM weight (mean over warm-up)"
            rows={rows}
            maxStep={maxStep}
            yDomain={[0, 1]}
            testId="chart-adm"
            lines={hasAdm ? [{ key: 'admWeight', name: 'w', color: '#9be15d' }] : []}
          />
        )}
        {show.has('residualNorm') && (
          <Chart
            title={`Residual ‖A(D) − y‖${residualPositive ? ' (log)' : ''}`}
            rows={rows}
            maxStep={maxStep}
            testId="chart-residual"
            logY={residualPositive}
            lines={[{ key: 'residualNorm', name: 'residual', color: '#5b9cff' }]}
          />
        )}
        {show.has('psnr') && (
          <Chart
            title="PSNR / SSIM of D"
            rows={rows}
            maxStep={maxStep}
            testId="chart-quality"
            right={{ domain: [0, 1] }}
            lines={hasQuality ? [{ key: 'psnr', name: 'PSNR dB', color: '#2dd4bf' }, { key: 'ssim', name: 'SSIM', color: '#f472b6', axis: 'right' }] : []}
          />
        )}
      </div>
    </div>
  );
}
