/**
 * The editor's one zustand store: nodes, edges, selection, clipboard, undo/redo history, the
 * last compile and the current run. Every change goes through a named action that updates
 * immutably (new arrays, new `data` objects). Conversion to and from the graph document is in
 * ./graph.ts; positions live in the document's `ui` only.
 */
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange, type Viewport } from '@xyflow/react';
import { create } from 'zustand';
import type { GraphDocument, GraphGroup } from '../../lib/graph/document';
import { boundsAround } from '../../lib/graph/migrate';
import { connectionProblem, validateGraph, type Connection, type GraphIssues } from '../../lib/graph/validate';
import { getNodeDefinition } from '../../nodes';
import {
  contentKey,
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
import { freeOffsetFor, freeSpot, nodeRect } from './placement';
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

/** Where the add-node search puts its node: at a canvas point, wired to the port a dropped wire came from. */
export interface SearchContext {
  /** Canvas (flow) coordinates of the new node; absent: the centre of the view. */
  at?: { x: number; y: number };
  /** The port a wire was dragged from: only nodes with a compatible port are listed, and the new one is wired to it. */
  from?: { node: string; port: string; side: 'source' | 'target' };
}

/** A right-click menu: on the canvas (at a flow point), a node, a wire or a group. */
export type ContextMenu =
  | { kind: 'canvas'; x: number; y: number; at: { x: number; y: number } }
  | { kind: 'node'; x: number; y: number; id: string }
  | { kind: 'edge'; x: number; y: number; id: string }
  | { kind: 'group'; x: number; y: number; id: string };

/** A run waiting in this tab behind the current one (server runs are queued on the server already). */
export interface QueuedRun {
  /** Server runs: their id and queue position from run.start. Browser runs: null until they start. */
  runId: string | null;
  position?: number;
  backend: BackendChoice;
  document: GraphDocument;
  plan?: Plan;
  presetId: string | null;
}

const HISTORY_LIMIT = 100;
const EMPTY_META: DocMeta = { assets: {}, groups: [] };
const NO_ISSUES: GraphIssues = { nodes: {}, graph: [] };

export interface EditorState {
  nodes: AppNode[];
  edges: AppEdge[];
  meta: DocMeta;
  /** `contentKey` of the graph as last loaded from or saved to a preset or a file: another key means unsaved changes. */
  savedKey: string;
  /** The group whose frame is selected (groups are not React Flow selections of their own). */
  selectedGroup: string | null;
  /** When the working graph was last kept in the browser (./autosave.ts); 0: not yet. */
  autosavedAt: number;
  /** Bumped to ask the presets panel for a name to save under (Ctrl+S on a graph that is no user preset). */
  saveAsRequest: number;
  /** Small screens: which side panel is open over the canvas. */
  panel: 'left' | 'right' | null;
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
  searchContext: SearchContext;
  menu: ContextMenu | null;
  /** Runs started from this tab while another was going, in order. */
  queue: QueuedRun[];
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
  /** Adds a node at the free spot nearest to `position` (never on top of another). */
  addNode: (type: string, position: { x: number; y: number }) => string;
  /** Adds a node and wires it to the port a dropped wire came from (its first compatible port). */
  addNodeWired: (type: string, position: { x: number; y: number }, from: NonNullable<SearchContext['from']>) => string | null;
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
  /**
   * Replaces the graph. It counts as saved unless `savedKey` says what was saved (the autosaved
   * working graph); `descriptionFor` restores whom the description belongs to (null: the user).
   */
  loadDocument: (doc: GraphDocument, opts?: { presetId?: string | null; keepHistory?: boolean; savedKey?: string; descriptionFor?: string | null }) => void;
  setGraphName: (name: string) => void;
  setDescription: (text: string) => void;
  /** Marks the current graph as saved (a preset save or load, an export, an import). */
  markSaved: () => void;
  // groups
  groupSelection: (title?: string) => string | null;
  ungroup: (id: string) => void;
  renameGroup: (id: string, title: string) => void;
  moveGroup: (id: string, to: { x: number; y: number }) => void;
  resizeGroup: (id: string, bounds: GraphGroup['bounds']) => void;
  selectGroup: (id: string | null) => void;
  /** After nodes were dragged: each joins the group its centre lies in (or leaves its group). */
  regroup: (ids: readonly string[]) => void;
  addAsset: (sha256: string, ref: DocMeta['assets'][string]) => void;
  document: () => GraphDocument;

  // ui
  setConnectionError: (text: string | null) => void;
  toast: (kind: Toast['kind'], text: string) => void;
  dismissToast: (id: number) => void;
  setSearchOpen: (open: boolean, context?: SearchContext) => void;
  openMenu: (menu: ContextMenu | null) => void;
  openInspector: (t: InspectTarget) => void;
  setBottomTab: (tab: BottomTab) => void;
  setBottomOpen: (open: boolean) => void;
  setSideTab: (tab: SideTab) => void;
  setPanel: (panel: EditorState['panel']) => void;
  requestSaveAs: () => void;
  setCompare: (slot: 'a' | 'b', runId: string | null) => void;

  // compile and run
  setCompile: (c: CompileState) => void;
  localIssues: () => GraphIssues;
  runStarting: () => void;
  runStarted: (runId: string, position: number, plan?: Plan) => void;
  enqueue: (r: QueuedRun) => void;
  /** The next queued run, taken off the queue (it becomes the current run), or null. */
  takeQueued: () => QueuedRun | null;
  /** Clears a failed run's status once the graph changed (its problem may be fixed). */
  clearStaleFailure: () => void;
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
  const rects = (nodes: readonly AppNode[]) => nodes.map(nodeRect);
  /** The new node's id and where it goes (the free spot nearest `at`). */
  const placeNew = (s: EditorState, type: string, at: { x: number; y: number }) => {
    const id = freshId(type, taken(s));
    return { id, node: { ...newNode(type, id, freeSpot(rects(s.nodes), at)), selected: true } };
  };
  const deselected = (nodes: readonly AppNode[]) => nodes.map((n) => (n.selected ? { ...n, selected: false } : n));
  const updateGroup = (id: string, fn: (g: GraphGroup) => GraphGroup) => (s: EditorState) => ({
    meta: { ...s.meta, groups: s.meta.groups.map((g) => (g.id === id ? fn(g) : g)) },
  });

  return {
    nodes: [],
    edges: [],
    meta: EMPTY_META,
    savedKey: '',
    selectedGroup: null,
    autosavedAt: 0,
    saveAsRequest: 0,
    panel: null,
    searchContext: {},
    menu: null,
    queue: [],
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
    // A wire dropped on an input that is wired already replaces that wire (if the new one fits).
    checkConnection: (c) => {
      const s = get();
      const rest = s.edges.filter((e) => !(e.target === c.to.node && e.targetHandle === c.to.port));
      return connectionProblem(toSemantic(s.nodes, rest), c, getNodeDefinition);
    },
    connect: (c) => {
      const s = get();
      const old = s.edges.find((e) => e.target === c.to.node && e.targetHandle === c.to.port);
      const problem = get().checkConnection(c);
      if (problem) {
        set({ connectionError: problem });
        return problem;
      }
      const src = s.nodes.find((n) => n.id === c.from.node);
      commit((st) => ({ edges: [...st.edges.filter((e) => e.id !== old?.id), makeEdge(c, src?.type)], connectionError: null }));
      return null;
    },
    addNode: (type, at) => {
      const { id, node } = placeNew(get(), type, at);
      commit((s) => ({ nodes: [...deselected(s.nodes), node], selectedGroup: null }));
      return id;
    },
    addNodeWired: (type, at, from) => {
      const s = get();
      const def = getNodeDefinition(type);
      const other = s.nodes.find((n) => n.id === from.node);
      const otherPort = other ? getNodeDefinition(other.type)?.[from.side === 'source' ? 'outputs' : 'inputs'].find((p) => p.name === from.port) : undefined;
      if (!def || !otherPort) return null;
      const { id, node } = placeNew(s, type, at);
      const withNode = [...s.nodes, node];
      // The new node's first port of the same type on the opposite side that the wire checks accept.
      const candidates = from.side === 'source' ? def.inputs : def.outputs;
      const conn = candidates
        .filter((p) => p.type === otherPort.type)
        .map((p): Connection => (from.side === 'source' ? { from: { node: from.node, port: from.port }, to: { node: id, port: p.name } } : { from: { node: id, port: p.name }, to: { node: from.node, port: from.port } }))
        .find((c) => {
          const rest = s.edges.filter((e) => !(from.side === 'target' && e.target === from.node && e.targetHandle === from.port));
          return connectionProblem(toSemantic(withNode, rest), c, getNodeDefinition) === null;
        });
      if (!conn) return null;
      const srcType = conn.from.node === id ? type : other?.type;
      commit((st) => ({
        nodes: [...deselected(st.nodes), node],
        // Wiring into an input that had a wire replaces it.
        edges: [...st.edges.filter((e) => !(e.target === conn.to.node && e.targetHandle === conn.to.port)), makeEdge(conn, srcType)],
        selectedGroup: null,
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
      if (gone.size === 0 && !s.edges.some((e) => e.selected)) {
        // A selected group frame goes on its own (its nodes stay).
        if (s.selectedGroup) get().ungroup(s.selectedGroup);
        return;
      }
      commit((st) => ({
        nodes: st.nodes.filter((n) => !gone.has(n.id)),
        edges: st.edges.filter((e) => !edgesGone(e)),
        meta: { ...st.meta, groups: st.meta.groups.map((g) => (g.nodes.some((id) => gone.has(id)) ? { ...g, nodes: g.nodes.filter((id) => !gone.has(id)) } : g)) },
        inspect: st.inspect && gone.has(st.inspect.node) ? null : st.inspect,
      }));
    },
    removeEdge: (id) => commit((s) => ({ edges: s.edges.filter((e) => e.id !== id) })),
    duplicateSelection: () => {
      const s = get();
      const sel = s.nodes.filter((n) => n.selected);
      if (!sel.length) return;
      const { nodes, edges } = cloneSubgraph(sel, s.edges, taken(s), s.nodes);
      commit((st) => ({ nodes: [...deselected(st.nodes), ...nodes], edges: [...st.edges, ...edges] }));
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
      const { nodes, edges } = cloneSubgraph(s.clipboard.nodes, s.clipboard.edges, taken(s), s.nodes);
      commit((st) => ({
        nodes: [...deselected(st.nodes), ...nodes],
        edges: [...st.edges, ...edges],
        // Paste again lands further along.
        clipboard: { nodes: nodes.map((n) => ({ ...n })), edges },
      }));
    },
    selectOnly: (id) =>
      set((s) => ({
        nodes: s.nodes.map((n) => ((n.id === id) !== !!n.selected ? { ...n, selected: n.id === id } : n)),
        edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
        selectedGroup: null,
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
      const loaded = { ...meta, ...(opts.descriptionFor === undefined ? {} : { descriptionFor: opts.descriptionFor ?? undefined }) };
      const apply = () => ({
        nodes,
        edges,
        meta: loaded,
        savedKey: opts.savedKey ?? contentKey(toDocument(nodes, edges, loaded)),
        selectedGroup: null,
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
    setDescription: (text) => commit((s) => ({ meta: { ...s.meta, description: text || undefined, descriptionFor: undefined } }), 'graph:description'),
    markSaved: () => set((s) => ({ savedKey: contentKey(toDocument(s.nodes, s.edges, s.meta)) })),

    groupSelection: (title = 'Group') => {
      const s = get();
      const sel = s.nodes.filter((n) => n.selected);
      if (sel.length === 0) return null;
      const ids = new Set(sel.map((n) => n.id));
      let k = s.meta.groups.length + 1;
      while (s.meta.groups.some((g) => g.id === `group-${k}`)) k++;
      const group: GraphGroup = { id: `group-${k}`, title, nodes: sel.map((n) => n.id), bounds: boundsAround(sel.map(nodeRect)), color: 'slate' };
      commit((st) => ({
        // A node belongs to one group: it leaves its old one.
        meta: { ...st.meta, groups: [...st.meta.groups.map((g) => ({ ...g, nodes: g.nodes.filter((id) => !ids.has(id)) })), group] },
        selectedGroup: group.id,
      }));
      return group.id;
    },
    ungroup: (id) => commit((s) => ({ meta: { ...s.meta, groups: s.meta.groups.filter((g) => g.id !== id) }, selectedGroup: s.selectedGroup === id ? null : s.selectedGroup })),
    renameGroup: (id, title) => commit(updateGroup(id, (g) => ({ ...g, title })), `group:title:${id}`),
    moveGroup: (id, to) =>
      set((s) => {
        const g = s.meta.groups.find((x) => x.id === id);
        if (!g) return {};
        const dx = to.x - g.bounds.x;
        const dy = to.y - g.bounds.y;
        if (dx === 0 && dy === 0) return {};
        const members = new Set(g.nodes);
        return {
          nodes: s.nodes.map((n) => (members.has(n.id) ? { ...n, position: { x: n.position.x + dx, y: n.position.y + dy } } : n)),
          ...updateGroup(id, (x) => ({ ...x, bounds: { ...x.bounds, x: to.x, y: to.y } }))(s),
        };
      }),
    resizeGroup: (id, bounds) => set(updateGroup(id, (g) => ({ ...g, bounds }))),
    selectGroup: (id) => set((s) => ({ selectedGroup: id, nodes: id ? deselected(s.nodes) : s.nodes })),
    regroup: (ids) =>
      set((s) => {
        const moved = new Set(ids);
        const home = new Map<string, string | null>();
        for (const n of s.nodes) {
          if (!moved.has(n.id)) continue;
          const r = nodeRect(n);
          const cx = r.x + r.width / 2;
          const cy = r.y + r.height / 2;
          const g = [...s.meta.groups].reverse().find((x) => cx >= x.bounds.x && cx <= x.bounds.x + x.bounds.width && cy >= x.bounds.y && cy <= x.bounds.y + x.bounds.height);
          home.set(n.id, g?.id ?? null);
        }
        const groups = s.meta.groups.map((g) => {
          const keep = g.nodes.filter((id) => !home.has(id) || home.get(id) === g.id);
          const join = [...home].filter(([id, gid]) => gid === g.id && !g.nodes.includes(id)).map(([id]) => id);
          return keep.length === g.nodes.length && join.length === 0 ? g : { ...g, nodes: [...keep, ...join] };
        });
        return groups.some((g, i) => g !== s.meta.groups[i]) ? { meta: { ...s.meta, groups } } : {};
      }),
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
    setSearchOpen: (open, context = {}) => set({ searchOpen: open, searchContext: open ? context : {}, menu: null }),
    openMenu: (menu) => set({ menu }),
    openInspector: (t) => set({ inspect: t, bottomTab: 'inspector', bottomOpen: true }),
    setBottomTab: (tab) => set({ bottomTab: tab, bottomOpen: true }),
    setBottomOpen: (open) => set({ bottomOpen: open }),
    setSideTab: (tab) => set({ sideTab: tab }),
    setPanel: (panel) => set({ panel }),
    requestSaveAs: () => set((s) => ({ sideTab: 'presets', panel: 'left', saveAsRequest: s.saveAsRequest + 1 })),
    setCompare: (slot, runId) => set((s) => ({ compare: { ...s.compare, [slot]: runId } })),

    setCompile: (c) => set({ compile: c }),
    localIssues: () => validateGraph(semanticOf(get()), getNodeDefinition),
    runStarting: () => set({ run: { ...IDLE_RUN, status: 'starting' } }),
    runStarted: (runId, position, plan) =>
      set((s) => ({
        run: {
          ...s.run,
          runId,
          position,
          status: s.run.status === 'starting' ? (position > 0 ? 'queued' : 'running') : s.run.status,
          ...(plan ? { nodesInRun: plan.steps.map((x) => x.node), primary: plan.primary, expected: { nfe: plan.nfe, seconds: plan.estimate.seconds } } : {}),
        },
      })),
    enqueue: (r) => set((s) => ({ queue: [...s.queue, r] })),
    takeQueued: () => {
      const next = get().queue.at(0) ?? null;
      if (next) set((s) => ({ queue: s.queue.slice(1) }));
      return next;
    },
    clearStaleFailure: () => set((s) => (s.run.status === 'error' && s.queue.length === 0 ? { run: IDLE_RUN } : {})),
    runFailed: (message, node, code = 'START_FAILED') => set((s) => ({ run: { ...s.run, status: 'error', error: { node, code, message } } })),
    applyRunEvent: (ev) => set((s) => ({ run: reduceRunEvent(s.run, ev, Date.now()) })),
    showRun: (run) => set({ run }),
    setBackendChoice: (b) => set({ backendChoice: b }),
    setRunBackend: (label, note) => set((s) => ({ run: { ...s.run, backend: label, note: note ?? s.run.note } })),
    setRunDownload: (d) => set((s) => ({ run: { ...s.run, download: d } })),
  };
});

/**
 * Copies nodes (and the wires among them) with fresh ids, selected, moved together to the free
 * place nearest to just below-right of the originals (clear of every node on the canvas).
 */
function cloneSubgraph(nodes: readonly AppNode[], edges: readonly AppEdge[], taken: Set<string>, onCanvas: readonly AppNode[]) {
  const rename = new Map<string, string>();
  const ids = new Set(taken);
  const block = nodes.map(nodeRect);
  const first = block.at(0);
  const to = first ? freeOffsetFor(onCanvas.map(nodeRect), block, { x: first.x + 40, y: first.y + 40 }) : { x: 0, y: 0 };
  const dx = first ? to.x - first.x : 0;
  const dy = first ? to.y - first.y : 0;
  const out: AppNode[] = nodes.map((n) => {
    const id = freshId(n.type, ids);
    ids.add(id);
    rename.set(n.id, id);
    return {
      id,
      type: n.type,
      position: { x: n.position.x + dx, y: n.position.y + dy },
      data: { ...n.data, params: structuredClone(n.data.params) },
      selected: true,
      ...(n.measured ? { measured: { ...n.measured } } : {}),
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
