'use client';
/**
 * The params panel: the selected node's params as a form generated from its zod schema, each
 * with its help text (the schema's `.describe()`), its mode (active / bypass), its ports and its
 * problems. With nothing selected it shows the graph's description, its problems and the
 * compiled plan with its estimate for the chosen backend.
 */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { getNodeDefinition } from '../../nodes';
import { browserBackendOf, browserEstimate } from './browserSpeed';
import { currentDescription, lookup, PORT_COLORS, toSemantic, type AppNode } from './graph';
import { fmtSeconds } from './RunBar';
import { CATEGORY_COLORS } from './GraphNode';
import { NoiseEstimate } from './NoiseEstimate';
import { ParamField } from './ParamField';
import { describeParams } from './schemaForm';
import { useEditor } from './store';

function NodeParams({ node }: { node: AppNode }) {
  const def = getNodeDefinition(node.type);
  const setParam = useEditor((s) => s.setParam);
  const setNodeMode = useEditor((s) => s.setNodeMode);
  const issues = useEditor((s) => lookup(s.compile.issues.nodes, node.id));
  const fields = useMemo(() => (def ? describeParams(def.params) : []), [def]);
  if (!def) return <div className="p-3 text-bad">Unknown node type {node.type}</div>;
  return (
    <div className="space-y-3 p-3" data-testid="params-panel">
      <div>
        <div className="flex items-center gap-1.5">
          <span className="h-2.5 w-2.5 rounded-full" style={{ background: CATEGORY_COLORS[def.category] }} />
          <h2 className="text-[14px] font-semibold text-ink-100">{def.title}</h2>
          <span className="ml-auto font-mono text-[11px] text-ink-500" data-testid="params-node-id">
            {node.id}
          </span>
        </div>
        <div className="mt-0.5 font-mono text-[10.5px] text-ink-500">
          {def.type} v{def.version}
        </div>
        <p className="mt-1.5 text-[12px] leading-snug text-ink-400">{def.description}</p>
      </div>

      {fields.length > 0 && (
        <section className="space-y-2">
          <h3 className="text-[11px] font-semibold uppercase tracking-wide text-ink-500">Params</h3>
          {fields.map((f) => (
            <label key={f.name} className="block">
              <div className="mb-0.5 flex items-baseline justify-between gap-2">
                <span className="text-[12px] text-ink-300">{f.label}</span>
                <span className="font-mono text-[10px] text-ink-500">
                  {f.kind === 'number' && (f.min !== null || f.max !== null) ? `${f.min ?? '−∞'} … ${f.max ?? '∞'}` : ''}
                </span>
              </div>
              <ParamField field={f} value={node.data.params[f.name] ?? f.defaultValue} onChange={(v) => setParam(node.id, f.name, v)} testId={`param-${f.name}`} />
              {f.kind === 'number' && f.estimate && (
                <NoiseEstimate source={node.data.params[f.estimate.from]} onEstimate={(v) => setParam(node.id, f.name, v)} testId={`param-${f.name}-estimate`} />
              )}
              {f.description && (
                <p className="mt-0.5 text-[11px] leading-snug text-ink-500" data-testid={`param-help-${f.name}`}>
                  {f.description}
                </p>
              )}
            </label>
          ))}
        </section>
      )}

      <section className="flex items-center gap-2">
        <span className="text-[12px] text-ink-300">Mode</span>
        <select
          className="nodrag rounded border border-ink-700 bg-ink-950 px-1.5 py-0.5 text-[12px]"
          value={node.data.mode}
          onChange={(e) => setNodeMode(node.id, e.target.value as 'active' | 'bypass')}
          data-testid="param-mode"
        >
          <option value="active">active</option>
          <option value="bypass">bypass</option>
        </select>
      </section>

      <section>
        <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-ink-500">Ports</h3>
        <ul className="space-y-0.5 text-[11.5px]">
          {[...def.inputs.map((p) => ({ p, dir: 'in' })), ...def.outputs.map((p) => ({ p, dir: 'out' }))].map(({ p, dir }) => (
            <li key={`${dir}-${p.name}`} className="flex items-center gap-1.5">
              <span className="h-2 w-2 rounded-full" style={{ background: PORT_COLORS[p.type] }} />
              <span className="text-ink-500">{dir}</span>
              <span className="text-ink-300">{p.label ?? p.name}</span>
              <span className="ml-auto font-mono text-ink-500">
                {p.type}
                {p.optional ? '?' : ''}
              </span>
            </li>
          ))}
        </ul>
      </section>

      {issues && issues.length > 0 && (
        <section>
          <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-bad">Problems</h3>
          <ul className="space-y-0.5 text-[12px] text-bad-fg">
            {issues.map((m, i) => (
              <li key={i}>• {m}</li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

/** The graph's description: the preset's own while the graph is that preset, editable (then it is the user's). */
function DescriptionField() {
  const { description, current } = useEditor(
    useShallow((s) => ({ description: s.meta.description, current: currentDescription(s.meta, toSemantic(s.nodes, s.edges)) })),
  );
  const stale = !!description && current === undefined;
  return (
    <section>
      <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-ink-500">Description</h3>
      <textarea
        value={current ?? ''}
        onChange={(e) => useEditor.getState().setDescription(e.target.value)}
        placeholder={stale ? 'The preset’s description no longer fits this graph: describe it here' : 'What this graph does (saved with it)'}
        rows={3}
        className="w-full resize-y rounded border border-ink-700 bg-ink-950 px-1.5 py-1 text-[12px] text-ink-200 outline-none focus:border-accent"
        data-testid="graph-description"
      />
    </section>
  );
}

function GraphSummary() {
  const { compile, nodeCount, edgeCount, backendChoice } = useEditor(
    useShallow((s) => ({ compile: s.compile, nodeCount: s.nodes.length, edgeCount: s.edges.length, backendChoice: s.backendChoice })),
  );
  const nodeIssues = Object.entries(compile.issues.nodes);
  const browser = backendChoice !== 'server' && compile.plan ? browserEstimate(compile.plan, browserBackendOf(backendChoice)) : null;
  return (
    <div className="space-y-3 p-3 text-[12px]" data-testid="graph-summary">
      <div className="text-ink-400">
        {nodeCount} nodes · {edgeCount} wires. Select a node to edit its params (each explained below it); click an output port or a wire to inspect it; right-click for more.
      </div>
      <DescriptionField />
      {compile.plan && compile.status === 'ok' && (
        <section data-testid="plan-summary">
          <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-ink-500">Plan</h3>
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 font-mono text-[11.5px]">
            <dt className="text-ink-500">steps</dt>
            <dd>{compile.plan.steps.length}</dd>
            <dt className="text-ink-500">NFE</dt>
            <dd>
              {compile.plan.nfe.forward} fwd + {compile.plan.nfe.vjp} vjp
            </dd>
            <dt className="text-ink-500">estimate</dt>
            <dd data-testid="plan-estimate">
              ~{fmtSeconds(browser?.seconds ?? compile.plan.estimate.seconds)}
              {browser ? ' in this browser' : backendChoice === 'server' ? ' on the server' : ' (server speed: this browser is measured at its first run)'}, {Math.round(compile.plan.estimate.memoryMB)} MB
            </dd>
          </dl>
          <ol className="mt-2 space-y-0.5 font-mono text-[11px] text-ink-400">
            {compile.plan.steps.map((s, i) => (
              <li key={i}>
                {i + 1}. {s.node} <span className="text-ink-500">({s.runsOn})</span>
              </li>
            ))}
          </ol>
        </section>
      )}
      {(nodeIssues.length > 0 || compile.issues.graph.length > 0) && (
        <section data-testid="graph-issues">
          <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide text-bad">Problems</h3>
          <ul className="space-y-1 text-bad-fg">
            {compile.issues.graph.map((m, i) => (
              <li key={`g${i}`}>• {m}</li>
            ))}
            {nodeIssues.map(([id, msgs]) => (
              <li key={id}>
                <button className="text-left hover:underline" onClick={() => useEditor.getState().selectOnly(id)}>
                  <span className="font-mono text-ink-300">{id}</span>: {msgs.join('; ')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className="text-[11.5px] text-ink-500">
        <h3 className="mb-1 text-[11px] font-semibold uppercase tracking-wide">Keys</h3>
        <ul className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5">
          <li className="contents"><kbd className="font-mono">/ · Ctrl+K</kbd><span>add a node</span></li>
          <li className="contents"><kbd className="font-mono">Ctrl+Enter</kbd><span>run</span></li>
          <li className="contents"><kbd className="font-mono">Ctrl+D</kbd><span>duplicate</span></li>
          <li className="contents"><kbd className="font-mono">Ctrl+C / V</kbd><span>copy / paste</span></li>
          <li className="contents"><kbd className="font-mono">Ctrl+Z / Shift+Z</kbd><span>undo / redo</span></li>
          <li className="contents"><kbd className="font-mono">Del</kbd><span>delete selection</span></li>
          <li className="contents"><kbd className="font-mono">Ctrl+G</kbd><span>group the selection</span></li>
          <li className="contents"><kbd className="font-mono">Ctrl+S</kbd><span>save as a preset</span></li>
          <li className="contents"><kbd className="font-mono">double-click</kbd><span>add a node there</span></li>
          <li className="contents"><kbd className="font-mono">right-click</kbd><span>menu</span></li>
        </ul>
      </section>
    </div>
  );
}

export function ParamsPanel() {
  const selected = useEditor(useShallow((s) => s.nodes.filter((n) => n.selected)));
  if (selected.length === 1) return <NodeParams node={selected[0]} />;
  if (selected.length > 1) return <div className="p-3 text-[12px] text-ink-400">{selected.length} nodes selected.</div>;
  return <GraphSummary />;
}
