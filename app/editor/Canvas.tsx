'use client';
/**
 * The graph canvas (@xyflow/react v12). Nodes and edges live in the editor store; every wire
 * is checked by lib/graph/validate.ts `connectionProblem` (the same check the server runs) and
 * a refused wire shows its reason in the status line. Dropping a result PNG or a graph JSON on
 * the canvas restores that graph.
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
  type NodeTypes,
  type OnConnectStartParams,
} from '@xyflow/react';
import { useCallback, useEffect, type DragEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Connection } from '../../lib/graph/validate';
import { NODE_TYPES, getNodeDefinition } from '../../nodes';
import { graphFromFile } from './files';
import type { AppEdge, AppNode } from './graph';
import { CATEGORY_COLORS, GraphNode } from './GraphNode';
import { useEditor } from './store';

/** Built once: every registered node type renders with the generic node component. */
const nodeTypes: NodeTypes = Object.fromEntries(NODE_TYPES.map((d) => [d.type, GraphNode]));

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

function minimapColor(n: AppNode): string {
  const def = n.type ? getNodeDefinition(n.type) : undefined;
  return def ? CATEGORY_COLORS[def.category] : '#5a6578';
}

export function Canvas() {
  const { nodes, edges, onNodesChange, onEdgesChange, connectionError, loadEpoch } = useEditor(
    useShallow((s) => ({
      nodes: s.nodes,
      edges: s.edges,
      onNodesChange: s.onNodesChange,
      onEdgesChange: s.onEdgesChange,
      connectionError: s.connectionError,
      loadEpoch: s.loadEpoch,
    })),
  );
  const rf = useReactFlow<AppNode, AppEdge>();

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
  const onNodeDragStart = useCallback(() => useEditor.getState().beginMove(), []);
  const onEdgeClick = useCallback((_: unknown, e: AppEdge) => {
    useEditor.getState().openInspector({ node: e.source, port: e.sourceHandle ?? '' });
  }, []);

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
    <div className="relative h-full w-full" onDragOver={onDragOver} onDrop={onDrop} data-testid="canvas">
      <ReactFlow<AppNode, AppEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectStart={onConnectStart}
        isValidConnection={isValidConnection}
        onNodeDragStart={onNodeDragStart}
        onEdgeClick={onEdgeClick}
        onMoveEnd={(_, v) => useEditor.getState().setViewport(v)}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control']}
        connectOnClick={false}
        defaultEdgeOptions={{ interactionWidth: 16 }}
        minZoom={0.2}
        maxZoom={2.5}
        proOptions={{ hideAttribution: true }}
        colorMode="dark"
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1.2} color="#2a3140" />
        <MiniMap<AppNode> pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} style={{ width: 150, height: 100 }} />
        <Controls position="bottom-left" />
      </ReactFlow>
      {connectionError && (
        <div
          role="status"
          className="pointer-events-none absolute bottom-4 left-1/2 z-10 -translate-x-1/2 rounded border border-bad/60 bg-ink-900/95 px-3 py-1.5 text-[12px] text-[#ff9a9d] shadow-lg"
          data-testid="connection-error"
        >
          Cannot connect: {connectionError}
        </div>
      )}
    </div>
  );
}
