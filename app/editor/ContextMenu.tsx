'use client';
/**
 * Right-click menus: on the canvas (add a node there, paste, group the selection, select all,
 * fit the view), on a node (inspect, duplicate, copy, bypass, group, delete), on a wire (inspect,
 * delete) and on a group frame (rename, select its nodes, ungroup). Every entry is a store action;
 * Escape or a click elsewhere closes the menu.
 */
import { useReactFlow } from '@xyflow/react';
import { useEffect, useRef } from 'react';
import { getNodeDefinition } from '../../nodes';
import { useEditor, type ContextMenu as Menu } from './store';

interface Item {
  id: string;
  label: string;
  hint?: string;
  run: () => void;
  disabled?: boolean;
}

function itemsFor(menu: Menu, fitView: () => void): Item[] {
  const s = useEditor.getState();
  const selected = s.nodes.filter((n) => n.selected);
  switch (menu.kind) {
    case 'canvas':
      return [
        { id: 'add', label: 'Add node here…', hint: 'double-click', run: () => s.setSearchOpen(true, { at: menu.at }) },
        { id: 'paste', label: 'Paste', hint: 'Ctrl+V', run: () => s.paste(), disabled: !s.clipboard },
        { id: 'group', label: `Group ${selected.length} selected`, hint: 'Ctrl+G', run: () => s.groupSelection(), disabled: selected.length === 0 },
        { id: 'select-all', label: 'Select all', hint: 'Ctrl+A', run: () => s.selectAll() },
        { id: 'fit', label: 'Fit the graph in view', run: fitView },
      ];
    case 'node': {
      const node = s.nodes.find((n) => n.id === menu.id);
      if (!node) return [];
      const def = getNodeDefinition(node.type);
      const out = def?.outputs.at(0);
      const many = selected.length > 1 && node.selected;
      return [
        ...(out ? [{ id: 'inspect', label: `Inspect ${out.label ?? out.name}`, run: () => s.openInspector({ node: node.id, port: out.name }) }] : []),
        { id: 'duplicate', label: many ? `Duplicate ${selected.length} nodes` : 'Duplicate', hint: 'Ctrl+D', run: () => s.duplicateSelection() },
        { id: 'copy', label: 'Copy', hint: 'Ctrl+C', run: () => s.copySelection() },
        {
          id: 'bypass',
          label: node.data.mode === 'bypass' ? 'Activate' : 'Bypass',
          run: () => s.setNodeMode(node.id, node.data.mode === 'bypass' ? 'active' : 'bypass'),
        },
        { id: 'group', label: many ? `Group ${selected.length} nodes` : 'Put in a new group', hint: 'Ctrl+G', run: () => s.groupSelection() },
        { id: 'delete', label: many ? `Delete ${selected.length} nodes` : 'Delete', hint: 'Del', run: () => s.removeSelection() },
      ];
    }
    case 'edge': {
      const e = s.edges.find((x) => x.id === menu.id);
      if (!e) return [];
      return [
        { id: 'inspect', label: 'Inspect what flows here', run: () => s.openInspector({ node: e.source, port: e.sourceHandle ?? '' }) },
        { id: 'delete', label: 'Delete wire', run: () => s.removeEdge(e.id) },
      ];
    }
    case 'group': {
      const g = s.meta.groups.find((x) => x.id === menu.id);
      if (!g) return [];
      return [
        {
          id: 'select',
          label: `Select its ${g.nodes.length} nodes`,
          run: () => useEditor.setState((st) => ({ nodes: st.nodes.map((n) => ({ ...n, selected: g.nodes.includes(n.id) })), selectedGroup: null })),
        },
        {
          id: 'rename',
          label: 'Rename…',
          run: () => {
            const title = window.prompt('Group title', g.title);
            if (title !== null) s.renameGroup(g.id, title.trim() || g.title);
          },
        },
        { id: 'ungroup', label: 'Ungroup (keep the nodes)', run: () => s.ungroup(g.id) },
      ];
    }
  }
}

export function ContextMenu() {
  const menu = useEditor((s) => s.menu);
  const rf = useReactFlow();
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!menu) return;
    const close = (e: Event) => {
      if (e instanceof KeyboardEvent && e.key !== 'Escape') return;
      if (e instanceof MouseEvent && ref.current?.contains(e.target as Node)) return;
      useEditor.getState().openMenu(null);
    };
    window.addEventListener('mousedown', close);
    window.addEventListener('keydown', close);
    window.addEventListener('blur', close);
    return () => {
      window.removeEventListener('mousedown', close);
      window.removeEventListener('keydown', close);
      window.removeEventListener('blur', close);
    };
  }, [menu]);

  if (!menu) return null;
  const items = itemsFor(menu, () => void rf.fitView({ padding: 0.12, maxZoom: 1.1 }));
  // Keep the menu inside the window.
  const left = Math.min(menu.x, window.innerWidth - 230);
  const top = Math.min(menu.y, window.innerHeight - 36 - items.length * 28);
  return (
    <div
      ref={ref}
      role="menu"
      className="fixed z-50 w-56 overflow-hidden rounded-md border border-ink-600 bg-ink-850 py-1 shadow-2xl"
      style={{ left, top }}
      onContextMenu={(e) => e.preventDefault()}
      data-testid={`context-menu-${menu.kind}`}
    >
      {items.map((it) => (
        <button
          key={it.id}
          role="menuitem"
          disabled={it.disabled}
          onClick={() => {
            useEditor.getState().openMenu(null);
            it.run();
          }}
          className="flex w-full items-center px-3 py-1 text-left text-[12.5px] text-ink-200 hover:bg-accent/20 disabled:opacity-40 disabled:hover:bg-transparent"
          data-testid={`menu-${it.id}`}
        >
          <span className="flex-1">{it.label}</span>
          {it.hint && <span className="text-[11px] text-ink-500">{it.hint}</span>}
        </button>
      ))}
    </div>
  );
}
