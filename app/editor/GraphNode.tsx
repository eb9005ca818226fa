'use client';
/**
 * One node on the canvas: a header, one row per port with a handle coloured by the port type,
 * a short params summary, the node's optional widget, a progress bar while its sampler runs,
 * and the compile/run errors that belong to it. Params are edited in the side panel.
 */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo, useCallback, type ComponentType } from 'react';
import type { PortSpec } from '../../lib/graph/ports';
import { getNodeDefinition, NODE_TYPES } from '../../nodes';
import type { NodeCategory } from '../../nodes/define';
import { PORT_COLORS, type AppNode } from './graph';
import { openNodeTool } from './nodeTools';
import { isActive } from './runTypes';
import { useEditor } from './store';
import { getNodeWidget } from '../../nodes/widgets';
import type { NodeTool, NodeWidgetProps } from '../../nodes/widget';

export const CATEGORY_COLORS: Record<NodeCategory, string> = {
  input: '#3ecf8e',
  image: '#2cc5c0',
  degradation: '#f59e42',
  prior: '#b57cff',
  sampler: '#5b9cff',
  analysis: '#f2555a',
  output: '#a3b1c6',
};

/** A param value in a few characters; an upload by its file name (`assets`), not its hash. */
function summarize(v: unknown, assets: Readonly<Record<string, { name: string }>>): string {
  if (typeof v === 'string' && /^sha256:[0-9a-f]{64}$/.test(v)) {
    const name = Object.hasOwn(assets, v.slice(7)) ? assets[v.slice(7)].name : 'upload';
    return name.length > 18 ? `${name.slice(0, 16)}…` : name;
  }
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'string') return v.length > 18 ? `${v.slice(0, 16)}…` : v;
  if (Array.isArray(v)) return `${v.length} items`;
  if (v && typeof v === 'object') return Object.keys(v).length ? '{…}' : '{}';
  return '-';
}

const EMPTY: string[] = [];

/** Each node type's widget, looked up once: components are picked outside render. */
const WIDGETS: Partial<Record<string, ComponentType<NodeWidgetProps>>> = Object.fromEntries(NODE_TYPES.map((d) => [d.type, getNodeWidget(d.type)]));

function PortRow({ nodeId, port, side, onInspect }: { nodeId: string; port: PortSpec; side: 'in' | 'out'; onInspect: (port: string, side: 'in' | 'out') => void }) {
  const isIn = side === 'in';
  return (
    <div className={`relative flex h-5 items-center px-3 ${isIn ? 'justify-start' : 'justify-end'}`}>
      <Handle
        type={isIn ? 'target' : 'source'}
        position={isIn ? Position.Left : Position.Right}
        id={port.name}
        style={{ background: PORT_COLORS[port.type] }}
        onClick={(e) => {
          e.stopPropagation();
          onInspect(port.name, side);
        }}
        title={`${port.label ?? port.name}: ${port.type}${port.optional ? ' (optional)' : ''}${isIn ? '' : ' - click to inspect'}`}
        data-testid={`handle-${nodeId}-${side}-${port.name}`}
      />
      <span className={`truncate text-[11px] ${port.optional ? 'text-ink-400 italic' : 'text-ink-300'}`}>{port.label ?? port.name}</span>
    </div>
  );
}

function GraphNodeImpl({ id, type, data, selected }: NodeProps<AppNode>) {
  const def = getNodeDefinition(type);
  const issues = useEditor((s) => s.compile.issues.nodes[id] ?? EMPTY);
  const runError = useEditor((s) => (s.run.error?.node === id ? s.run.error.message : undefined));
  const running = useEditor((s) => isActive(s.run.status) && s.run.progress?.node === id);
  const step = useEditor((s) => (s.run.progress?.node === id ? s.run.progress.step : 0));
  const steps = useEditor((s) => (s.run.progress?.node === id ? s.run.progress.steps : 0));
  // The run's pictures belong to the nodes it ran (a node added since shows none), its result to its result node.
  const inRun = useEditor((s) => s.run.nodesInRun?.includes(id) ?? false);
  const preview = useEditor((s) => (inRun ? s.run.previews[id] : undefined));
  const resultUrl = useEditor((s) => {
    if (!inRun || s.run.status !== 'finished') return undefined;
    const sampler = def?.outputs.some((p) => p.type === 'Trace') ?? false;
    return !sampler || s.run.primary === id ? s.run.resultUrl : undefined;
  });
  const openInspector = useEditor((s) => s.openInspector);
  const assets = useEditor((s) => s.meta.assets);
  const setParamAction = useEditor((s) => s.setParam);
  const setParam = useCallback((name: string, value: unknown) => setParamAction(id, name, value), [id, setParamAction]);
  const openTool = useCallback((tool: NodeTool) => openNodeTool(tool, id), [id]);
  const onInspect = useCallback(
    (port: string, side: 'in' | 'out') => {
      if (side === 'out') {
        openInspector({ node: id, port });
        return;
      }
      // An input shows what flows into it: the output wired to it.
      const wire = useEditor.getState().edges.find((e) => e.target === id && e.targetHandle === port);
      if (wire) openInspector({ node: wire.source, port: wire.sourceHandle ?? '' });
    },
    [id, openInspector],
  );

  if (!def) {
    return (
      <div className="w-56 rounded-md border border-bad bg-ink-850 p-2 text-bad" data-testid={`node-${id}`}>
        unknown node type {type}
        <div data-testid={`node-error-${id}`}>unknown node type &apos;{type}&apos;</div>
      </div>
    );
  }
  const Widget = WIDGETS[type];
  const errors = runError ? [runError, ...issues] : issues;
  const hasError = errors.some((e) => !/not connected$/.test(e)) || !!runError;
  const summary = Object.entries(data.params).slice(0, 4);
  const bypass = data.mode === 'bypass';
  const borderCls = selected ? 'border-accent shadow-[0_0_0_1px_var(--color-accent)]' : hasError ? 'border-bad' : errors.length ? 'border-warn/70' : 'border-ink-700';
  return (
    <div
      className={`w-60 rounded-md border bg-ink-850/95 text-ink-200 shadow-lg shadow-black/40 ${borderCls} ${bypass ? 'opacity-50' : ''}`}
      data-testid={`node-${id}`}
      data-node-type={type}
    >
      <header className="flex items-center gap-1.5 rounded-t-md border-b border-ink-700 bg-ink-800 px-2 py-1">
        <span className="h-2.5 w-2.5 flex-none rounded-full" style={{ background: CATEGORY_COLORS[def.category] }} />
        <span className="truncate text-[12px] font-semibold text-ink-100" title={def.description}>
          {data.title ?? def.title}
        </span>
        <span className="ml-auto max-w-12 flex-none truncate font-mono text-[9.5px] text-ink-500" title={id}>
          {id}
        </span>
      </header>
      <div className="py-1">
        {def.inputs.map((p) => (
          <PortRow key={`in-${p.name}`} nodeId={id} port={p} side="in" onInspect={onInspect} />
        ))}
        {def.outputs.map((p) => (
          <PortRow key={`out-${p.name}`} nodeId={id} port={p} side="out" onInspect={onInspect} />
        ))}
      </div>
      {summary.length > 0 && (
        <dl className="mx-2 mb-1.5 grid grid-cols-[auto_1fr] gap-x-2 rounded bg-ink-900/70 px-1.5 py-1 font-mono text-[10.5px] leading-4">
          {summary.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-ink-500">{k}</dt>
              <dd className="truncate text-right text-ink-300">{summarize(v, assets)}</dd>
            </div>
          ))}
        </dl>
      )}
      {Widget && <Widget nodeId={id} params={data.params} preview={preview} resultUrl={resultUrl} running={running} setParam={setParam} openTool={openTool} />}
      {running && steps > 0 && (
        <div className="mx-2 mb-1.5" data-testid={`node-progress-${id}`}>
          <div className="h-1.5 overflow-hidden rounded bg-ink-700">
            <div className="progress-running h-full bg-accent transition-[width]" style={{ width: `${Math.min(100, (100 * step) / steps)}%` }} />
          </div>
          <div className="mt-0.5 text-right font-mono text-[10px] text-ink-400">
            {step}/{steps}
          </div>
        </div>
      )}
      {errors.length > 0 && (
        <ul
          className={`rounded-b-md border-t px-2 py-1 text-[11px] leading-4 ${hasError ? 'border-bad/50 bg-bad/10 text-bad-fg' : 'border-warn/40 bg-warn/10 text-warn'}`}
          data-testid={`node-error-${id}`}
        >
          {errors.slice(0, 4).map((e, i) => (
            <li key={i}>• {e}</li>
          ))}
          {errors.length > 4 && <li className="text-ink-400">+{errors.length - 4} more</li>}
        </ul>
      )}
    </div>
  );
}

export const GraphNode = memo(GraphNodeImpl);
