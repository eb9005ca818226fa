'use client';
/**
 * A group on the canvas: a titled frame behind its member nodes (the document's `ui.groups`).
 * Dragging the frame moves its members with it (store `moveGroup`), its corners resize it, a
 * double-click on the title renames it. Rendered as a React Flow node of its own type.
 */
import { NodeResizer, type Node, type NodeProps } from '@xyflow/react';
import { memo, useState } from 'react';
import type { GraphGroup } from '../../lib/graph/document';
import { useEditor } from './store';

export const GROUP_NODE = 'spgd-group';
/** React Flow ids of group frames ('group:<id>'), apart from the graph's node ids (which have no ':'). */
export const GROUP_PREFIX = 'group:';

export interface GroupData extends Record<string, unknown> {
  group: GraphGroup;
}
export type GroupNode = Node<GroupData, typeof GROUP_NODE>;

export const GROUP_COLOR: Record<GraphGroup['color'], string> = {
  slate: '#8793a6',
  blue: '#5b9cff',
  green: '#3ecf8e',
  amber: '#f5b73b',
  red: '#f2555a',
  violet: '#b57cff',
};

export function groupNode(g: GraphGroup, selected: boolean): GroupNode {
  return {
    id: `${GROUP_PREFIX}${g.id}`,
    type: GROUP_NODE,
    position: { x: g.bounds.x, y: g.bounds.y },
    width: g.bounds.width,
    height: g.bounds.height,
    data: { group: g },
    selected,
    zIndex: -1,
    // Only the title bar starts a drag: the rest of the frame lets clicks reach the canvas.
    dragHandle: '.group-drag',
  };
}

function GroupFrameImpl({ data, selected }: NodeProps<GroupNode>) {
  const g = data.group;
  const [editing, setEditing] = useState(false);
  const color = GROUP_COLOR[g.color];
  return (
    <div
      className="h-full w-full rounded-md border-2"
      style={{ borderColor: `${color}${selected ? 'ff' : '88'}`, background: `${color}14` }}
      data-testid={`group-${g.id}`}
      data-members={g.nodes.join(' ')}
    >
      <NodeResizer
        isVisible={selected}
        minWidth={160}
        minHeight={80}
        color={color}
        onResize={(_, p) => useEditor.getState().resizeGroup(g.id, { x: p.x, y: p.y, width: p.width, height: p.height })}
      />
      <div className="group-drag flex h-8 cursor-grab items-center gap-2 rounded-t px-2" style={{ background: `${color}33` }}>
        {editing ? (
          <input
            autoFocus
            defaultValue={g.title}
            className="nodrag min-w-0 flex-1 rounded border border-ink-600 bg-ink-950 px-1 text-[13px] text-ink-100 outline-none"
            onBlur={(e) => {
              useEditor.getState().renameGroup(g.id, e.target.value.trim() || 'Group');
              setEditing(false);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === 'Escape') (e.target as HTMLInputElement).blur();
              e.stopPropagation();
            }}
            data-testid={`group-title-input-${g.id}`}
          />
        ) : (
          <span className="truncate text-[13px] font-semibold text-ink-100" onDoubleClick={() => setEditing(true)} title="Double-click to rename" data-testid={`group-title-${g.id}`}>
            {g.title}
          </span>
        )}
        <span className="ml-auto flex-none text-[10.5px] text-ink-400">{g.nodes.length} nodes</span>
      </div>
    </div>
  );
}

export const GroupFrame = memo(GroupFrameImpl);
