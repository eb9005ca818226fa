'use client';
/**
 * The sampler step timeline: a scrubber over the steps whose full tensors the run captured
 * (x, D, g, ADM momentum, residual), each drawn with `tensor.get({ step })`, next to that
 * step's trace numbers.
 */
import { useMemo, useState } from 'react';
import { lookup } from './graph';
import { isActive } from './runTypes';
import { useEditor } from './store';
import { fmt, SignedLegend, TensorThumb } from './TensorView';
import { SamplerPicker } from './SamplerPicker';

/** Snapshot ports, in display order (lib/plan/execute.ts publishSnapshot). */
const SNAPSHOT_PORTS = ['x', 'D', 'g', 'momentum', 'residual'] as const;
const PORT_LABEL: Record<string, string> = { x: 'x', D: 'D (x0 estimate)', g: 'g (likelihood grad.)', momentum: 'ADM momentum', residual: 'residual A(D) − y' };

export function StepTimeline() {
  const runId = useEditor((s) => s.run.runId);
  const status = useEditor((s) => s.run.status);
  const probes = useEditor((s) => s.run.probes);
  const traces = useEditor((s) => s.run.traces);
  const [picked, setPicked] = useState<string | null>(null);
  const [index, setIndex] = useState<number | null>(null);

  // Steps with snapshots, per sampler node (probe events that carry a step).
  const captured = useMemo(() => {
    const m = new Map<string, { steps: number[]; ports: string[] }>();
    for (const p of Object.values(probes)) {
      if (p.step === undefined) continue;
      const e = m.get(p.node) ?? { steps: [], ports: [] };
      if (!e.steps.includes(p.step)) e.steps.push(p.step);
      if (!e.ports.includes(p.port)) e.ports.push(p.port);
      m.set(p.node, e);
    }
    for (const e of m.values()) {
      e.steps.sort((a, b) => a - b);
      e.ports.sort((a, b) => {
        const ia = SNAPSHOT_PORTS.indexOf(a as (typeof SNAPSHOT_PORTS)[number]);
        const ib = SNAPSHOT_PORTS.indexOf(b as (typeof SNAPSHOT_PORTS)[number]);
        return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
      });
    }
    return m;
  }, [probes]);

  const samplers = [...new Set([...captured.keys(), ...Object.keys(traces)])];
  const node = picked && samplers.includes(picked) ? picked : samplers[0];
  if (!runId || !node) return <div className="p-4 text-ink-500">Run a graph with a sampler to scrub through its steps.</div>;
  const cap = captured.get(node);
  const steps = cap?.steps ?? [];
  const ports = cap?.ports.length ? cap.ports : [...SNAPSHOT_PORTS];
  const i = index === null ? steps.length - 1 : Math.min(index, steps.length - 1);
  const step = steps.at(i);
  const trace = lookup(traces, node)?.find((t) => t.step === step);

  return (
    <div className="flex h-full flex-col gap-2 p-3" data-testid="step-timeline">
      <div className="flex items-center gap-3 text-[11.5px] text-ink-400">
        <SamplerPicker samplers={samplers} value={node} onPick={setPicked} />
        {steps.length > 0 ? (
          <>
            <input
              type="range"
              min={0}
              max={Math.max(0, steps.length - 1)}
              value={Math.max(0, i)}
              onChange={(e) => setIndex(Number(e.target.value))}
              className="w-72"
              data-testid="timeline-scrubber"
              aria-label="step"
            />
            <span className="font-mono text-ink-200" data-testid="timeline-step">
              step {step} ({i + 1}/{steps.length} captured)
            </span>
          </>
        ) : (
          <span>{isActive(status) ? 'waiting for captured steps…' : 'this run captured no step snapshots'}</span>
        )}
        <span className="ml-auto">
          <SignedLegend />
        </span>
      </div>
      {step !== undefined && (
        <div className="flex min-h-0 flex-1 gap-4">
          <div className="flex flex-wrap content-start gap-3">
            {ports.map((p) => (
              <TensorThumb key={`${p}@${step}`} q={{ runId, node, port: p, step }} label={PORT_LABEL[p] ?? p} size={132} testId={`timeline-${p}`} />
            ))}
          </div>
          {trace && (
            <dl className="grid h-fit grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 font-mono text-[11px]" data-testid="timeline-trace">
              {(
                [
                  ['sigma', trace.sigma],
                  ['t', trace.t],
                  ['step size', trace.stepSize],
                  ['‖A(D)−y‖', trace.residualNorm],
                  ['‖g‖', trace.gradNorm],
                  ['conflict°', trace.conflict],
                  ['fluct. raw°', trace.fluctuationRaw],
                  ['fluct. ADM°', trace.fluctuationAdm],
                  ['prior stab.°', trace.priorStability],
                  ['PSNR', trace.psnr ?? null],
                  ['SSIM', trace.ssim ?? null],
                ] as [string, number | null][]
              ).map(([k, v]) => (
                <div key={k} className="contents">
                  <dt className="text-ink-500">{k}</dt>
                  <dd className="text-ink-200">{fmt(v)}</dd>
                </div>
              ))}
            </dl>
          )}
        </div>
      )}
    </div>
  );
}
