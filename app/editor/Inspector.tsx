'use client';
/**
 * The port inspector: opened by clicking an output port or a wire. Before a run it shows what
 * is known statically (port type, inferred size); after one, the tensor from `tensor.get`:
 * shape, dtype, min/max/mean/std, NaN/Inf counts, histogram, and a zoomable picture with a
 * channel select (gradients and residuals use the signed colour map, uncertainty maps the heat scale).
 */
import { useMemo, useState } from 'react';
import { inferFacts } from '../../lib/graph/validate';
import { getNodeDefinition } from '../../nodes';
import { PORT_COLORS, toSemantic } from './graph';
import { isActive, probeKey } from './runTypes';
import { useEditor } from './store';
import { HeatLegend, Histogram, SignedLegend, StatsTable, useTensor } from './TensorView';

const ZOOMS = ['fit', 1, 2, 4, 8] as const;
type Zoom = (typeof ZOOMS)[number];

export function Inspector() {
  const target = useEditor((s) => s.inspect);
  const runId = useEditor((s) => s.run.runId);
  const status = useEditor((s) => s.run.status);
  const probe = useEditor((s) => (target ? s.run.probes[probeKey(target.node, target.port)] : undefined));
  const nodeType = useEditor((s) => (target ? s.nodes.find((n) => n.id === target.node)?.type : undefined));
  const nodes = useEditor((s) => s.nodes);
  const edges = useEditor((s) => s.edges);
  const [channel, setChannel] = useState<number | undefined>(undefined);
  const [zoom, setZoom] = useState<Zoom>('fit');

  const port = nodeType ? getNodeDefinition(nodeType)?.outputs.find((p) => p.name === target?.port) : undefined;
  const facts = useMemo(() => {
    if (!target) return undefined;
    return inferFacts(toSemantic(nodes, edges), getNodeDefinition).facts.get(target.node)?.[target.port];
  }, [target, nodes, edges]);

  // Ask once the run has produced the value (a probe event) or has ended.
  const ready = !!probe || (!isActive(status) && status !== 'idle');
  const q = runId && target && ready ? { runId, node: target.node, port: target.port, ...(channel !== undefined ? { channel } : {}) } : null;
  const t = useTensor(q);

  if (!target) {
    return <div className="p-4 text-ink-500">Click an output port (the dot on a node&apos;s right edge) or a wire to inspect the value that flows there.</div>;
  }
  const channels = t.data?.shape.length === 3 ? t.data.shape[0] : t.data?.shape.length === 4 ? t.data.shape[1] : 0;
  return (
    <div className="flex h-full gap-4 p-3" data-testid="inspector">
      <div className="flex w-[290px] flex-none flex-col gap-2">
        <div className="flex items-center gap-1.5">
          {port && <span className="h-2.5 w-2.5 rounded-full" style={{ background: PORT_COLORS[port.type] }} />}
          <span className="font-mono text-[12.5px] text-ink-100" data-testid="inspector-target">
            {target.node}.{target.port}
          </span>
          <span className="text-[11px] text-ink-500">{port?.type}</span>
        </div>
        {t.data ? (
          <>
            <StatsTable t={t.data} />
            <Histogram h={t.data.histogram} width={280} height={80} />
          </>
        ) : (
          <div className="space-y-1 text-[12px] text-ink-400">
            {facts && (facts.height || facts.channels || facts.task) && (
              <div className="font-mono text-[11.5px]" data-testid="inspector-facts">
                {facts.channels ? `${facts.channels} ch` : ''} {facts.height && facts.width ? `${facts.width}×${facts.height}` : ''} {facts.task ?? ''}
              </div>
            )}
            <div>
              {!runId
                ? 'Run the graph to see this value.'
                : t.isLoading && q
                  ? 'loading…'
                  : t.error
                    ? <span className="text-warn" data-testid="inspector-error">{t.error.message}</span>
                    : isActive(status)
                      ? 'Not computed yet in this run.'
                      : 'No value.'}
            </div>
            {probe?.summary && <div className="text-ink-300">{probe.summary}</div>}
          </div>
        )}
      </div>
      {t.data && (
        <div className="flex min-w-0 flex-1 flex-col gap-2">
          <div className="flex items-center gap-3 text-[11.5px]">
            {channels > 1 && (
              <label className="flex items-center gap-1 text-ink-400">
                channel
                <select
                  className="rounded border border-ink-700 bg-ink-950 px-1 py-0.5 text-ink-200"
                  value={channel === undefined ? 'all' : String(channel)}
                  onChange={(e) => setChannel(e.target.value === 'all' ? undefined : Number(e.target.value))}
                  data-testid="inspector-channel"
                >
                  <option value="all">all</option>
                  {Array.from({ length: channels }, (_, i) => (
                    <option key={i} value={i}>
                      {channels === 3 ? ['R', 'G', 'B'][i] : i}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <div className="flex items-center gap-0.5 text-ink-400">
              zoom
              {ZOOMS.map((z) => (
                <button
                  key={String(z)}
                  onClick={() => setZoom(z)}
                  className={`ml-0.5 rounded px-1.5 py-0.5 ${zoom === z ? 'bg-accent/25 text-ink-100' : 'hover:bg-ink-700'}`}
                  data-testid={`inspector-zoom-${z}`}
                >
                  {z === 'fit' ? 'fit' : `${z}×`}
                </button>
              ))}
            </div>
            {t.data.signed && <SignedLegend />}
            {t.data.kind === 'heat' && <HeatLegend max={t.data.stats.max} unit="" />}
          </div>
          <div className="scroll-thin min-h-0 flex-1 overflow-auto rounded border border-ink-700 bg-[repeating-conic-gradient(#1a1f27_0_25%,#151920_0_50%)] bg-[length:16px_16px]">
            {t.data.png ? (
              <ZoomedImage src={t.data.png} zoom={zoom} width={t.data.shape[t.data.shape.length - 1]} />
            ) : (
              <div className="p-3 text-ink-500">No picture for this value.</div>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

function ZoomedImage({ src, zoom, width }: { src: string; zoom: Zoom; width: number }) {
  const style = zoom === 'fit' ? { height: '100%', width: 'auto', maxWidth: '100%', objectFit: 'contain' as const } : { width: width * zoom, maxWidth: 'none' };
  return <img src={src} alt="tensor" className="pixelated mx-auto block" style={style} data-testid="inspector-image" />;
}
