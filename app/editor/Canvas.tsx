'use client';
/**
 * The graph canvas (@xyflow/react v12). Nodes and edges live in the editor store; every wire
 * is checked by lib/graph/validate.ts `connectionProblem` (the same check the server runs) and
 * a refused wire shows its reason in the status line. A wire dropped on a wired input replaces
 * that wire; a wire dropped on empty canvas opens the search with the nodes that can take it.
 * Double-click the canvas to search and add a node there; right-click anything for its menu.
 * Groups are frames behind their nodes (./GroupFrame.tsx). Dropping a result PNG or a graph
 * JSON on the canvas restores that graph.
 */
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection as FlowConnection,
  type Edge,
  type FinalConnectionState,
  type Node,
  type NodeChange,
  type NodeTypes,
  type OnConnectStartParams,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, type DragEvent, type MouseEvent as ReactMouseEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Connection } from '../../lib/graph/validate';
import { NODE_TYPES, getNodeDefinition } from '../../nodes';
import { graphFromFile } from './files';
import type { AppEdge, AppNode } from './graph';
import { CATEGORY_COLORS, GraphNode } from './GraphNode';
import { GROUP_COLOR, GROUP_NODE, GROUP_PREFIX, GroupFrame, groupNode, type GroupNode } from './GroupFrame';
import { useEditor } from './store';
import { useTheme } from './theme';

/** Built once: every registered node type renders with the generic node component; groups with their frame. */
const nodeTypes: NodeTypes = { ...Object.fromEntries(NODE_TYPES.map((d) => [d.type, GraphNode])), [GROUP_NODE]: GroupFrame };

type CanvasNode = AppNode | GroupNode;
const isGroupId = (id: string) => id.startsWith(GROUP_PREFIX);

function toConnection(c: FlowConnection | Edge): Connection {
  return { from: { node: c.source, port: c.sourceHandle ?? '' }, to: { node: c.target, port: c.targetHandle ?? '' } };
}

/** Loads the graph of a dropped file (a result PNG or a graph JSON), or says why it cannot. */
async function restoreGraph(file: File): Promise<void> {
  const s = useEditor.getState();
  const r = await graphFromFile(file);
  if (!r.ok) {
    s.toast('error', `${file.name}: ${r.error}`);
    return;
  }
  s.loadDocument(r.doc, { presetId: null });
  s.toast('ok', `Restored the graph from ${file.name}`);
}

function minimapColor(n: Node): string {
  if (n.type === GROUP_NODE) return `${GROUP_COLOR[(n as GroupNode).data.group.color]}33`;
  const def = n.type ? getNodeDefinition(n.type) : undefined;
  return def ? CATEGORY_COLORS[def.category] : '#5a6578';
}

/** Screen point of a mouse or touch event. */
function pointOf(e: MouseEvent | TouchEvent): { x: number; y: number } {
  if ('changedTouches' in e) {
    const t = e.changedTouches.item(0);
    return { x: t?.clientX ?? 0, y: t?.clientY ?? 0 };
  }
  return { x: e.clientX, y: e.clientY };
}

export function Canvas() {
  const { nodes, edges, groups, selectedGroup, connectionError, loadEpoch } = useEditor(
    useShallow((s) => ({
      nodes: s.nodes,
      edges: s.edges,
      groups: s.meta.groups,
      selectedGroup: s.selectedGroup,
      connectionError: s.connectionError,
      loadEpoch: s.loadEpoch,
    })),
  );
  const rf = useReactFlow<CanvasNode, AppEdge>();
  const theme = useTheme();
  // Group frames first: they are drawn behind the nodes.
  const canvasNodes = useMemo<CanvasNode[]>(() => [...groups.map((g) => groupNode(g, g.id === selectedGroup)), ...nodes], [groups, selectedGroup, nodes]);

  // Changes to group frames move or select the group; the rest go to the graph's nodes.
  const onNodesChange = useCallback((changes: NodeChange<CanvasNode>[]) => {
    const s = useEditor.getState();
    const own: NodeChange<AppNode>[] = [];
    for (const c of changes) {
      const id = 'id' in c ? c.id : c.item.id;
      if (!isGroupId(id)) {
        own.push(c as NodeChange<AppNode>);
        continue;
      }
      const gid = id.slice(GROUP_PREFIX.length);
      // Only drags move a frame with its nodes (a resize from the top or left moves it too: onResize does that).
      if (c.type === 'position' && c.position && c.dragging) s.moveGroup(gid, c.position);
      else if (c.type === 'select') s.selectGroup(c.selected ? gid : s.selectedGroup === gid ? null : s.selectedGroup);
    }
    if (own.length) s.onNodesChange(own);
  }, []);
  const onEdgesChange = useCallback((changes: Parameters<ReturnType<typeof useEditor.getState>['onEdgesChange']>[0]) => useEditor.getState().onEdgesChange(changes), []);

  // Stable callbacks: they read the store at call time (prevent-cycles example).
  const isValidConnection = useCallback((c: FlowConnection | Edge) => {
    const s = useEditor.getState();
    const problem = s.checkConnection(toConnection(c));
    if (problem && problem !== s.connectionError) s.setConnectionError(problem);
    return problem === null;
  }, []);
  const onConnect = useCallback((c: FlowConnection) => {
    useEditor.getState().connect(toConnection(c));
  }, []);
  const onConnectStart = useCallback((_: unknown, _params: OnConnectStartParams) => {
    useEditor.getState().setConnectionError(null);
  }, []);
  // A wire let go over empty canvas: search the nodes that can take it, added there and wired.
  const onConnectEnd = useCallback(
    (e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      if (state.isValid || state.toNode || !state.fromHandle?.id) return;
      if (!(e.target instanceof Element) || !e.target.classList.contains('react-flow__pane')) return;
      const at = rf.screenToFlowPosition(pointOf(e));
      const side = state.fromHandle.type;
      useEditor.getState().setConnectionError(null);
      useEditor.getState().setSearchOpen(true, { at: side === 'source' ? at : { x: at.x - 240, y: at.y }, from: { node: state.fromNode.id, port: state.fromHandle.id, side } });
    },
    [rf],
  );
  const onNodeDragStart = useCallback(() => useEditor.getState().beginMove(), []);
  const onNodeDragStop = useCallback((_: unknown, _node: CanvasNode, moved: CanvasNode[]) => {
    const ids = moved.filter((n) => !isGroupId(n.id)).map((n) => n.id);
    if (ids.length) useEditor.getState().regroup(ids);
  }, []);
  const onEdgeClick = useCallback((_: unknown, e: AppEdge) => {
    useEditor.getState().openInspector({ node: e.source, port: e.sourceHandle ?? '' });
  }, []);

  const onPaneContextMenu = useCallback(
    (e: ReactMouseEvent | MouseEvent) => {
      e.preventDefault();
      useEditor.getState().openMenu({ kind: 'canvas', x: e.clientX, y: e.clientY, at: rf.screenToFlowPosition({ x: e.clientX, y: e.clientY }) });
    },
    [rf],
  );
  const onNodeContextMenu = useCallback((e: ReactMouseEvent, n: CanvasNode) => {
    e.preventDefault();
    const s = useEditor.getState();
    if (isGroupId(n.id)) {
      s.openMenu({ kind: 'group', x: e.clientX, y: e.clientY, id: n.id.slice(GROUP_PREFIX.length) });
      return;
    }
    // The menu acts on the selection: a node outside it becomes the selection.
    if (!s.nodes.find((x) => x.id === n.id)?.selected) s.selectOnly(n.id);
    s.openMenu({ kind: 'node', x: e.clientX, y: e.clientY, id: n.id });
  }, []);
  const onEdgeContextMenu = useCallback((e: ReactMouseEvent, edge: AppEdge) => {
    e.preventDefault();
    useEditor.getState().openMenu({ kind: 'edge', x: e.clientX, y: e.clientY, id: edge.id });
  }, []);
  // Double-click on empty canvas: search and add a node there.
  const onDoubleClick = useCallback(
    (e: ReactMouseEvent) => {
      if (!(e.target instanceof Element) || !e.target.classList.contains('react-flow__pane')) return;
      const at = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
      useEditor.getState().setSearchOpen(true, { at: { x: at.x - 120, y: at.y - 40 } });
    },
    [rf],
  );

  // Fit a freshly loaded graph into view.
  useEffect(() => {
    if (loadEpoch === 0) return;
    const t = setTimeout(() => {
      if (rf.getNodes().length === 0) void rf.setViewport({ x: 0, y: 0, zoom: 1 });
      else void rf.fitView({ padding: 0.12, maxZoom: 1.1, duration: 0 });
    }, 30);
    return () => clearTimeout(t);
  }, [loadEpoch, rf]);

  // The refusal reason stays readable for a while, then fades.
  useEffect(() => {
    if (!connectionError) return;
    const t = setTimeout(() => useEditor.getState().setConnectionError(null), 7000);
    return () => clearTimeout(t);
  }, [connectionError]);

  const onDragOver = useCallback((e: DragEvent) => {
    if (e.dataTransfer.types.includes('Files')) {
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    }
  }, []);
  const onDrop = useCallback((e: DragEvent) => {
    const file = e.dataTransfer.files.item(0);
    if (!file) return;
    e.preventDefault();
    void restoreGraph(file);
  }, []);

  return (
    <div className="relative h-full w-full" onDragOver={onDragOver} onDrop={onDrop} onDoubleClick={onDoubleClick} data-testid="canvas">
      <ReactFlow<CanvasNode, AppEdge>
        nodes={canvasNodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectStart={onConnectStart}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStart={onNodeDragStart}
        onNodeDragStop={onNodeDragStop}
        onEdgeClick={onEdgeClick}
        onPaneContextMenu={onPaneContextMenu}
        onNodeContextMenu={onNodeContextMenu}
        onEdgeContextMenu={onEdgeContextMenu}
        onMoveEnd={(_, v) => useEditor.getState().setViewport(v)}
        zoomOnDoubleClick={false}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control']}
        connectOnClick={false}
        defaultEdgeOptions={{ interactionWidth: 16 }}
        minZoom={0.2}
        maxZoom={2.5}
        proOptions={{ hideAttribution: true }}
        colorMode={theme}
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1.2} color="var(--canvas-dots)" />
        <MiniMap<CanvasNode> pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} style={{ width: 150, height: 100 }} className="max-sm:hidden" />
        <Controls position="bottom-left" />
      </ReactFlow>
      {connectionError && (
        <div
          role="status"
          className="pointer-events-none absolute bottom-4 left-1/2 z-10 -translate-x-1/2 rounded border border-bad/60 bg-ink-900/95 px-3 py-1.5 text-[12px] text-bad shadow-lg"
          data-testid="connection-error"
        >
          Cannot connect: {connectionError}
        </div>
      )}
    </div>
  );
}
