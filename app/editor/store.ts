/**
 * The editor's one zustand store: nodes, edges, selection, clipboard, undo/redo history, the
 * last compile and the current run. Every change goes through a named action that updates
 * immutably (new arrays, new `data` objects). Conversion to and from the graph document is in
 * ./graph.ts; positions live in the document's `ui` only.
 */
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange, type Viewport } from '@xyflow/react';
import { create } from 'zustand';
import type { GraphDocument } from '../../lib/graph/document';
import { connectionProblem, validateGraph, type Connection, type GraphIssues } from '../../lib/graph/validate';
import { getNodeDefinition } from '../../nodes';
import {
  edgeToConnection,
  freshId,
  fromDocument,
  makeEdge,
  newNode,
  toDocument,
  toSemantic,
  type AppEdge,
  type AppNode,
  type DocMeta,
} from './graph';
import { IDLE_RUN, isActive, reduceRunEvent, type BackendChoice, type Plan, type RunEvent, type RunState } from './runTypes';

interface Snapshot {
  nodes: AppNode[];
  edges: AppEdge[];
  meta: DocMeta;
}

export type BottomTab = 'result' | 'inspector' | 'timeline' | 'angles' | 'compare';
export type SideTab = 'presets' | 'runs' | 'workers';

export interface Toast {
  id: number;
  kind: 'error' | 'info' | 'ok';
  text: string;
}

export interface CompileState {
  status: 'idle' | 'pending' | 'ok' | 'issues' | 'offline';
  /** Semantic hash (stable JSON) of the document the result belongs to. */
  key?: string;
  issues: GraphIssues;
  plan?: Plan;
}

export interface InspectTarget {
  node: string;
  port: string;
}

const HISTORY_LIMIT = 100;
const EMPTY_META: DocMeta = { assets: {}, groups: [] };
const NO_ISSUES: GraphIssues = { nodes: {}, graph: [] };

export interface EditorState {
  nodes: AppNode[];
  edges: AppEdge[];
  meta: DocMeta;
  past: Snapshot[];
  future: Snapshot[];
  /** Coalesces a burst of edits of one field into one undo step. */
  lastEditKey: string | null;
  lastEditAt: number;
  clipboard: { nodes: AppNode[]; edges: AppEdge[] } | null;
  /** Bumped on every semantic change (not on moves/selection), for the debounced compile. */
  revision: number;
  /** The refusal reason of the last wire the user tried to draw. */
  connectionError: string | null;
  toasts: Toast[];
  searchOpen: boolean;
  inspect: InspectTarget | null;
  bottomTab: BottomTab;
  bottomOpen: boolean;
  sideTab: SideTab;
  compile: CompileState;
  run: RunState;
  /** Where the next run goes (the run bar's backend select). */
  backendChoice: BackendChoice;
  /** Runs picked for the A/B compare slider. */
  compare: { a: string | null; b: string | null };
  /** Preset the current graph came from (for Save). */
  presetId: string | null;
  /** Bumped when a whole document is loaded, so the canvas fits it into view. */
  loadEpoch: number;

  // graph editing
  onNodesChange: (changes: NodeChange<AppNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<AppEdge>[]) => void;
  /** Adds a wire if allowed; otherwise records the reason and returns it. */
  connect: (c: Connection) => string | null;
  checkConnection: (c: Connection) => string | null;
  addNode: (type: string, position: { x: number; y: number }) => string;
  setParam: (id: string, name: string, value: unknown) => void;
  setNodeMode: (id: string, mode: 'active' | 'bypass') => void;
  removeSelection: () => void;
  removeEdge: (id: string) => void;
  duplicateSelection: () => void;
  copySelection: () => void;
  paste: () => void;
  selectOnly: (id: string | null) => void;
  selectAll: () => void;
  beginMove: () => void;
  setViewport: (v: Viewport) => void;
  undo: () => void;
  redo: () => void;
  loadDocument: (doc: GraphDocument, opts?: { presetId?: string | null; keepHistory?: boolean }) => void;
  setGraphName: (name: string) => void;
  addAsset: (sha256: string, ref: DocMeta['assets'][string]) => void;
  document: () => GraphDocument;

  // ui
  setConnectionError: (text: string | null) => void;
  toast: (kind: Toast['kind'], text: string) => void;
  dismissToast: (id: number) => void;
  setSearchOpen: (open: boolean) => void;
  openInspector: (t: InspectTarget) => void;
  setBottomTab: (tab: BottomTab) => void;
  setBottomOpen: (open: boolean) => void;
  setSideTab: (tab: SideTab) => void;
  setCompare: (slot: 'a' | 'b', runId: string | null) => void;

  // compile and run
  setCompile: (c: CompileState) => void;
  localIssues: () => GraphIssues;
  runStarting: () => void;
  runStarted: (runId: string, position: number) => void;
  runFailed: (message: string, node?: string, code?: string) => void;
  applyRunEvent: (ev: RunEvent) => void;
  showRun: (run: RunState) => void;
  setBackendChoice: (b: BackendChoice) => void;
  /** What actually ran the current run (e.g. "browser · wasm ×2 threads"), with an optional note. */
  setRunBackend: (label: string, note?: string) => void;
  setRunDownload: (d: RunState['download']) => void;
}

let toastSeq = 0;

export const useEditor = create<EditorState>()((set, get) => {
  /** Records the current graph for undo, then applies `fn`'s result. */
  const commit = (fn: (s: EditorState) => Partial<EditorState>, editKey: string | null = null, semantic = true) => {
    set((s) => {
      const now = Date.now();
      const coalesce = editKey !== null && editKey === s.lastEditKey && now - s.lastEditAt < 1200;
      const past = coalesce ? s.past : [...s.past, { nodes: s.nodes, edges: s.edges, meta: s.meta }].slice(-HISTORY_LIMIT);
      return {
        ...fn(s),
        past,
        future: [],
        lastEditKey: editKey,
        lastEditAt: now,
        revision: semantic ? s.revision + 1 : s.revision,
      };
    });
  };
  const taken = (s: EditorState) => new Set(s.nodes.map((n) => n.id));
  const semanticOf = (s: Pick<EditorState, 'nodes' | 'edges'>) => toSemantic(s.nodes, s.edges);

  return {
    nodes: [],
    edges: [],
    meta: EMPTY_META,
    past: [],
    future: [],
    lastEditKey: null,
    lastEditAt: 0,
    clipboard: null,
    revision: 0,
    connectionError: null,
    toasts: [],
    searchOpen: false,
    inspect: null,
    bottomTab: 'result',
    bottomOpen: true,
    sideTab: 'presets',
    compile: { status: 'idle', issues: NO_ISSUES },
    run: IDLE_RUN,
    backendChoice: 'server',
    compare: { a: null, b: null },
    presetId: null,
    loadEpoch: 0,

    onNodesChange: (changes) => {
      // Removals go through removeSelection (one undo step for nodes and their wires).
      const kept = changes.filter((c) => c.type !== 'remove');
      if (kept.length) set((s) => ({ nodes: applyNodeChanges(kept, s.nodes) }));
    },
    onEdgesChange: (changes) => {
      const kept = changes.filter((c) => c.type !== 'remove');
      if (kept.length) set((s) => ({ edges: applyEdgeChanges(kept, s.edges) }));
    },
    checkConnection: (c) => connectionProblem(semanticOf(get()), c, getNodeDefinition),
    connect: (c) => {
      const problem = get().checkConnection(c);
      if (problem) {
        set({ connectionError: problem });
        return problem;
      }
      const src = get().nodes.find((n) => n.id === c.from.node);
      commit((s) => ({ edges: [...s.edges, makeEdge(c, src?.type)], connectionError: null }));
      return null;
    },
    addNode: (type, at) => {
      const id = freshId(type, taken(get()));
      // Cascade away from nodes already sitting on that spot.
      const position = { ...at };
      while (get().nodes.some((n) => Math.abs(n.position.x - position.x) < 24 && Math.abs(n.position.y - position.y) < 24)) {
        position.x += 32;
        position.y += 32;
      }
      commit((s) => ({
        nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), { ...newNode(type, id, position), selected: true }],
      }));
      return id;
    },
    setParam: (id, name, value) =>
      commit(
        (s) => ({
          nodes: s.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, params: { ...n.data.params, [name]: value } } } : n)),
        }),
        `param:${id}:${name}`,
      ),
    setNodeMode: (id, mode) => commit((s) => ({ nodes: s.nodes.map((n) => (n.id === id ? { ...n, data: { ...n.data, mode } } : n)) })),
    removeSelection: () => {
      const s = get();
      const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
      const edgesGone = (e: AppEdge) => e.selected || gone.has(e.source) || gone.has(e.target);
      if (gone.size === 0 && !s.edges.some((e) => e.selected)) return;
      commit((st) => ({
        nodes: st.nodes.filter((n) => !gone.has(n.id)),
        edges: st.edges.filter((e) => !edgesGone(e)),
        inspect: st.inspect && gone.has(st.inspect.node) ? null : st.inspect,
      }));
    },
    removeEdge: (id) => commit((s) => ({ edges: s.edges.filter((e) => e.id !== id) })),
    duplicateSelection: () => {
      const s = get();
      const sel = s.nodes.filter((n) => n.selected);
      if (!sel.length) return;
      const { nodes, edges } = cloneSubgraph(sel, s.edges, taken(s), 40);
      commit((st) => ({ nodes: [...st.nodes.map((n) => ({ ...n, selected: false })), ...nodes], edges: [...st.edges, ...edges] }));
    },
    copySelection: () => {
      const s = get();
      const sel = s.nodes.filter((n) => n.selected);
      if (!sel.length) return;
      const ids = new Set(sel.map((n) => n.id));
      set({ clipboard: { nodes: sel, edges: s.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) } });
    },
    paste: () => {
      const s = get();
      if (!s.clipboard) return;
      const { nodes, edges } = cloneSubgraph(s.clipboard.nodes, s.clipboard.edges, taken(s), 60);
      commit((st) => ({
        nodes: [...st.nodes.map((n) => ({ ...n, selected: false })), ...nodes],
        edges: [...st.edges, ...edges],
        // Paste again lands further along.
        clipboard: { nodes: nodes.map((n) => ({ ...n })), edges },
      }));
    },
    selectOnly: (id) =>
      set((s) => ({
        nodes: s.nodes.map((n) => ((n.id === id) !== !!n.selected ? { ...n, selected: n.id === id } : n)),
        edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      })),
    selectAll: () => set((s) => ({ nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })) })),
    beginMove: () => commit((s) => ({ nodes: s.nodes }), null, false),
    setViewport: (v) => set((s) => ({ meta: { ...s.meta, viewport: v } })),
    undo: () =>
      set((s) => {
        const prev = s.past.at(-1);
        if (!prev) return {};
        return {
          ...prev,
          past: s.past.slice(0, -1),
          future: [{ nodes: s.nodes, edges: s.edges, meta: s.meta }, ...s.future],
          revision: s.revision + 1,
          lastEditKey: null,
        };
      }),
    redo: () =>
      set((s) => {
        const next = s.future.at(0);
        if (!next) return {};
        return {
          ...next,
          future: s.future.slice(1),
          past: [...s.past, { nodes: s.nodes, edges: s.edges, meta: s.meta }],
          revision: s.revision + 1,
          lastEditKey: null,
        };
      }),
    loadDocument: (doc, opts = {}) => {
      const { nodes, edges, meta } = fromDocument(doc);
      const apply = () => ({
        nodes,
        edges,
        meta,
        inspect: null,
        connectionError: null,
        presetId: opts.presetId === undefined ? get().presetId : opts.presetId,
        compile: { status: 'idle' as const, issues: NO_ISSUES },
        loadEpoch: get().loadEpoch + 1,
        // A finished run belongs to the graph it ran; one still going keeps reporting.
        run: isActive(get().run.status) ? get().run : IDLE_RUN,
      });
      if (opts.keepHistory === false) set((s) => ({ ...apply(), past: [], future: [], revision: s.revision + 1 }));
      else commit(apply);
    },
    setGraphName: (name) => commit((s) => ({ meta: { ...s.meta, name: name || undefined } }), 'graph:name'),
    addAsset: (sha256, ref) => set((s) => ({ meta: { ...s.meta, assets: { ...s.meta.assets, [sha256]: ref } } })),
    document: () => {
      const s = get();
      return toDocument(s.nodes, s.edges, s.meta);
    },

    setConnectionError: (text) => set({ connectionError: text }),
    toast: (kind, text) => {
      const id = ++toastSeq;
      set((s) => ({ toasts: [...s.toasts.slice(-3), { id, kind, text }] }));
      setTimeout(() => get().dismissToast(id), kind === 'error' ? 8000 : 4000);
    },
    dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
    setSearchOpen: (open) => set({ searchOpen: open }),
    openInspector: (t) => set({ inspect: t, bottomTab: 'inspector', bottomOpen: true }),
    setBottomTab: (tab) => set({ bottomTab: tab, bottomOpen: true }),
    setBottomOpen: (open) => set({ bottomOpen: open }),
    setSideTab: (tab) => set({ sideTab: tab }),
    setCompare: (slot, runId) => set((s) => ({ compare: { ...s.compare, [slot]: runId } })),

    setCompile: (c) => set({ compile: c }),
    localIssues: () => validateGraph(semanticOf(get()), getNodeDefinition),
    runStarting: () => set({ run: { ...IDLE_RUN, status: 'starting' } }),
    runStarted: (runId, position) =>
      set((s) => ({ run: { ...s.run, runId, position, status: s.run.status === 'starting' ? (position > 0 ? 'queued' : 'running') : s.run.status } })),
    runFailed: (message, node, code = 'START_FAILED') => set((s) => ({ run: { ...s.run, status: 'error', error: { node, code, message } } })),
    applyRunEvent: (ev) => set((s) => ({ run: reduceRunEvent(s.run, ev, Date.now()) })),
    showRun: (run) => set({ run }),
    setBackendChoice: (b) => set({ backendChoice: b }),
    setRunBackend: (label, note) => set((s) => ({ run: { ...s.run, backend: label, note: note ?? s.run.note } })),
    setRunDownload: (d) => set((s) => ({ run: { ...s.run, download: d } })),
  };
});

/**
 * Why a wire may not be drawn, or null. `connectionProblem` (lib/graph/validate.ts) checks the
 * ports, types, the free input and cycles, then the static facts of the target node -- and
 * there it returns the node's first problem even when the wire has nothing to do with it (e.g.
 * another input that is simply not wired yet). Keep only problems this wire brings.
 */
/** Copies nodes (and the wires among them) with fresh ids, shifted by `offset`, selected. */
function cloneSubgraph(nodes: readonly AppNode[], edges: readonly AppEdge[], taken: Set<string>, offset: number) {
  const rename = new Map<string, string>();
  const ids = new Set(taken);
  const out: AppNode[] = nodes.map((n) => {
    const id = freshId(n.type, ids);
    ids.add(id);
    rename.set(n.id, id);
    return {
      id,
      type: n.type,
      position: { x: n.position.x + offset, y: n.position.y + offset },
      data: { ...n.data, params: structuredClone(n.data.params) },
      selected: true,
    };
  });
  // Only the wires among the copied nodes come along.
  const outEdges = edges.flatMap((e) => {
    const c = edgeToConnection(e);
    const from = rename.get(c.from.node);
    const to = rename.get(c.to.node);
    if (from === undefined || to === undefined) return [];
    return [makeEdge({ from: { node: from, port: c.from.port }, to: { node: to, port: c.to.port } }, nodes.find((n) => n.id === e.source)?.type)];
  });
  return { nodes: out, edges: outEdges };
}

/** Issues to show: the server's compile result for this exact graph, else the local check. */
export function shownIssues(s: Pick<EditorState, 'compile'>, local: GraphIssues): GraphIssues {
  if (s.compile.status === 'ok') return NO_ISSUES;
  if (s.compile.status === 'issues') return s.compile.issues;
  return local;
}
