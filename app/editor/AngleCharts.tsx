'use client';
/**
 * Gradient-angle panel (spgd-algorithm.md section 8): conflict and fluctuation (raw vs after
 * ADM) and prior stability, the ADM weight, the residual norm, and PSNR/SSIM of D, on one
 * shared step axis (synchronised tooltips). Fed live by the run's `trace` events.
 */
import { useMemo, useState } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
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

const AXIS = { stroke: '#5a6578', fontSize: 10, tickLine: false } as const;
const TOOLTIP = {
  contentStyle: { background: '#111419', border: '1px solid #37404f', fontSize: 11, padding: '4px 8px' },
  labelStyle: { color: '#8793a6' },
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
  right?: { domain: [number, number] };
  logY?: boolean;
  testId: string;
}) {
  return (
    <div className="flex min-w-0 flex-col rounded border border-ink-700 bg-ink-900/60 p-1.5" data-testid={testId}>
      <div className="px-1 text-[11px] font-semibold text-ink-300">{title}</div>
      <div className="min-h-0 flex-1">
        <ResponsiveContainer width="100%" height="100%" minHeight={110}>
          <LineChart data={rows} syncId="spgd-steps" margin={{ top: 4, right: right ? 4 : 12, bottom: 0, left: -14 }}>
            <CartesianGrid stroke="#272e3a" strokeDasharray="2 3" />
            <XAxis dataKey="step" type="number" domain={[0, maxStep]} allowDecimals={false} {...AXIS} />
            <YAxis yAxisId="left" scale={logY ? 'log' : 'auto'} domain={yDomain ?? ['auto', 'auto']} {...AXIS} width={44} tickFormatter={(v: number) => String(Number(v.toPrecision(3)))} />
            {right && <YAxis yAxisId="right" orientation="right" domain={right.domain} {...AXIS} width={34} />}
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
  const samplers = Object.keys(traces);
  const [picked, setPicked] = useState<string | null>(null);
  const node = picked !== null && Object.hasOwn(traces, picked) ? picked : samplers[0];
  const rows = useMemo(() => chartRows(node ? traces[node] : []), [traces, node]);
  if (!node || rows.length === 0) {
    return <div className="p-4 text-ink-500">Run a graph with a sampler: its per-step gradient angles appear here while it runs.</div>;
  }
  const maxStep = Math.max(steps ?? 0, rows[rows.length - 1].step);
  const hasAdm = rows.some((r) => r.admWeight !== null);
  const hasQuality = rows.some((r) => r.psnr !== null || r.ssim !== null);
  const residualPositive = rows.every((r) => r.residualNorm === null || r.residualNorm > 0);
  return (
    <div className="flex h-full flex-col gap-1.5 p-2" data-testid="angle-charts">
      <div className="flex items-center gap-2 text-[11.5px] text-ink-400">
        <SamplerPicker samplers={samplers} value={node} onPick={setPicked} />
        <span data-testid="angle-steps">{rows.length} steps traced</span>
      </div>
      <div className="grid min-h-0 flex-1 grid-cols-2 grid-rows-2 gap-1.5 xl:grid-cols-4 xl:grid-rows-1">
        <Chart
          title="Angles (degrees)"
          rows={rows}
          maxStep={maxStep}
          yDomain={[0, 180]}
          testId="chart-angles"
          lines={[
            { key: 'conflict', name: 'conflict', color: '#f2555a' },
            { key: 'fluctuationRaw', name: 'fluct. raw', color: '#f5b73b', dashed: true },
            { key: 'fluctuationAdm', name: 'fluct. ADM', color: '#3ecf8e' },
            { key: 'priorStability', name: 'prior stab.', color: '#b57cff' },
          ]}
        />
        <Chart
          title="ADM weight (mean over warm-up)"
          rows={rows}
          maxStep={maxStep}
          yDomain={[0, 1]}
          testId="chart-adm"
          lines={hasAdm ? [{ key: 'admWeight', name: 'w', color: '#9be15d' }] : []}
        />
        <Chart
          title={`Residual ‖A(D) − y‖${residualPositive ? ' (log)' : ''}`}
          rows={rows}
          maxStep={maxStep}
          testId="chart-residual"
          logY={residualPositive}
          lines={[{ key: 'residualNorm', name: 'residual', color: '#5b9cff' }]}
        />
        <Chart
          title="PSNR / SSIM of D"
          rows={rows}
          maxStep={maxStep}
          testId="chart-quality"
          right={{ domain: [0, 1] }}
          lines={hasQuality ? [{ key: 'psnr', name: 'PSNR dB', color: '#2dd4bf' }, { key: 'ssim', name: 'SSIM', color: '#f472b6', axis: 'right' }] : []}
        />
      </div>
    </div>
  );
}
