'use client';
/**
 * The add-node search ('/', Ctrl+K, or a double-click on the canvas): type, arrow through the
 * matches, Enter adds the node at the centre of the view or where the canvas was clicked. Opened
 * by a wire dropped on empty canvas, it lists only the nodes with a port that can take that wire
 * and wires the new node to it.
 */
import { useReactFlow } from '@xyflow/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { NODE_TYPES } from '../../nodes';
import type { NodeDefinition } from '../../nodes/define';
import type { PortType } from '../../lib/graph/ports';
import { getNodeDefinition } from '../../nodes';
import { CATEGORY_COLORS } from './GraphNode';
import { useEditor, type SearchContext } from './store';

/** The port type of the port a wire was dragged from, and which side of a new node must match it. */
function wireNeed(from: SearchContext['from']): { type: PortType; side: 'inputs' | 'outputs' } | null {
  if (!from) return null;
  const n = useEditor.getState().nodes.find((x) => x.id === from.node);
  const def = n ? getNodeDefinition(n.type) : undefined;
  const port = def?.[from.side === 'source' ? 'outputs' : 'inputs'].find((p) => p.name === from.port);
  return port ? { type: port.type, side: from.side === 'source' ? 'inputs' : 'outputs' } : null;
}

function score(def: NodeDefinition, terms: string[]): number {
  if (!terms.length) return 1;
  const title = def.title.toLowerCase();
  const hay = `${title} ${def.type} ${def.category} ${def.description}`.toLowerCase();
  let s = 0;
  for (const t of terms) {
    if (!hay.includes(t)) return 0;
    s += title.startsWith(t) ? 4 : title.includes(t) ? 2 : 1;
  }
  return s;
}

export function AddNodeSearch() {
  const open = useEditor((s) => s.searchOpen);
  // Mounted only while open, so each opening starts with an empty query.
  return open ? <SearchDialog /> : null;
}

function SearchDialog() {
  const setOpen = useEditor((s) => s.setSearchOpen);
  const addNode = useEditor((s) => s.addNode);
  const context = useEditor((s) => s.searchContext);
  const need = useMemo(() => wireNeed(context.from), [context.from]);
  const rf = useReactFlow();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const inputRef = useRef<HTMLInputElement>(null);

  const matches = useMemo(() => {
    const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    return NODE_TYPES.filter((d) => !need || d[need.side].some((p) => p.type === need.type))
      .map((d) => ({ d, s: score(d, terms) }))
      .filter((x) => x.s > 0)
      .sort((a, b) => b.s - a.s)
      .map((x) => x.d);
  }, [query, need]);

  useEffect(() => {
    setTimeout(() => inputRef.current?.focus(), 0);
  }, []);

  const add = (def: NodeDefinition | undefined) => {
    if (!def) return;
    let at = context.at;
    if (!at) {
      const pane = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect();
      const centre = pane ? { x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 } : { x: window.innerWidth / 2, y: window.innerHeight / 2 };
      const p = rf.screenToFlowPosition(centre);
      // Nudge so the node's centre (not its corner) lands on the viewport centre.
      at = { x: p.x - 112, y: p.y - 40 };
    }
    if (context.from) {
      const id = useEditor.getState().addNodeWired(def.type, at, context.from);
      if (!id) useEditor.getState().toast('error', `${def.title} cannot take this wire here`);
    } else addNode(def.type, at);
    setOpen(false);
  };

  return (
    <div className="fixed inset-0 z-50 flex items-start justify-center bg-black/40 pt-[12vh]" onMouseDown={() => setOpen(false)}>
      <div className="w-[440px] overflow-hidden rounded-lg border border-ink-600 bg-ink-850 shadow-2xl" onMouseDown={(e) => e.stopPropagation()} data-testid="add-node-dialog">
        <input
          ref={inputRef}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              setActive((a) => Math.min(matches.length - 1, a + 1));
            } else if (e.key === 'ArrowUp') {
              e.preventDefault();
              setActive((a) => Math.max(0, a - 1));
            } else if (e.key === 'Enter') {
              e.preventDefault();
              add(matches[active]);
            } else if (e.key === 'Escape') {
              e.preventDefault();
              setOpen(false);
            }
          }}
          placeholder={need ? `Add a node that ${need.side === 'inputs' ? 'takes this' : 'gives a'} ${need.type}: type to search…` : 'Add a node: type to search…'}
          className="w-full border-b border-ink-700 bg-ink-900 px-3 py-2.5 text-[14px] text-ink-100 outline-none placeholder:text-ink-500"
          data-testid="add-node-search"
        />
        <ul className="scroll-thin max-h-[50vh] overflow-y-auto py-1" role="listbox">
          {matches.map((d, i) => (
            <li
              key={d.type}
              role="option"
              aria-selected={i === active}
              onMouseEnter={() => setActive(i)}
              onClick={() => add(d)}
              className={`flex cursor-pointer items-start gap-2 px-3 py-1.5 ${i === active ? 'bg-accent/15' : ''}`}
              data-testid={`add-node-option-${d.type}`}
            >
              <span className="mt-1 h-2.5 w-2.5 flex-none rounded-full" style={{ background: CATEGORY_COLORS[d.category] }} />
              <div className="min-w-0">
                <div className="text-[13px] text-ink-100">
                  {d.title} <span className="ml-1 text-[11px] text-ink-500">{d.category}</span>
                </div>
                <div className="truncate text-[11px] text-ink-400">{d.description}</div>
              </div>
            </li>
          ))}
          {matches.length === 0 && <li className="px-3 py-2 text-ink-500">No node matches “{query}”.</li>}
        </ul>
        <div className="border-t border-ink-700 px-3 py-1 text-[11px] text-ink-500" data-testid="add-node-hint">
          {need ? `only nodes with a ${need.type} ${need.side === 'inputs' ? 'input' : 'output'} · ` : ''}↑↓ choose · Enter add {context.at ? 'here' : 'at the centre'} · Esc close
        </div>
      </div>
    </div>
  );
}
