/**
 * The editor's React Flow nodes/edges <-> the canonical graph document (lib/graph/document.ts).
 * Semantics go to `nodes`/`edges`; positions and the viewport go to `ui` only, so moving a
 * node never changes the document's content hash. Pure functions: no React, no store.
 */
import type { Edge, Node } from '@xyflow/react';
import { GRAPH_FORMAT, SCHEMA_VERSION, type GraphDocument } from '../../lib/graph/document';
import { withoutUnusedData } from '../../lib/graph/embedded-assets';
import { parseDocument as parseGraphDocument, type ParsedDocument } from '../../lib/graph/files';
import { migrateDocument } from '../../lib/graph/migrate';
import type { PortSpec, PortType } from '../../lib/graph/ports';
import { topologicalOrder, type Connection } from '../../lib/graph/validate';
import type { PortRefJson } from '../../lib/plan/types';
import defaultPreset from '../../presets/spgd-inpaint-random.json';
import { getNodeDefinition } from '../../nodes';
import { defaultParams } from './schemaForm';

export interface NodeData extends Record<string, unknown> {
  params: Record<string, unknown>;
  mode: 'active' | 'bypass';
  typeVersion: number;
  title?: string;
}
/** Every editor node: the React Flow `type` is the node type name ('spgd:sampler/spgd'). */
export type AppNode = Node<NodeData, string>;
export interface EdgeData extends Record<string, unknown> {
  portType?: PortType;
}
export type AppEdge = Edge<EdgeData>;

/** What the document holds besides nodes and edges, carried through unchanged. */
export interface DocMeta {
  name?: string;
  description?: string;
  /**
   * The semantic key (`semanticKey`) of the graph the description was written for (a preset's
   * description describes that preset's graph): once the graph differs, the description is
   * left out of the document. Absent: the user wrote it for whatever the graph is.
   */
  descriptionFor?: string;
  assets: GraphDocument['assets'];
  groups: GraphDocument['ui']['groups'];
  viewport?: GraphDocument['ui']['viewport'];
}

export const PORT_COLORS: Record<PortType, string> = {
  Image: 'var(--color-port-image)',
  Operator: 'var(--color-port-operator)',
  Measurement: 'var(--color-port-measurement)',
  Prior: 'var(--color-port-prior)',
  Schedule: 'var(--color-port-schedule)',
  Warmup: 'var(--color-port-warmup)',
  Momentum: 'var(--color-port-momentum)',
  Mask: 'var(--color-port-mask)',
  Kernel: 'var(--color-port-kernel)',
  Uncertainty: 'var(--color-port-uncertainty)',
  Trace: 'var(--color-port-trace)',
  Metrics: 'var(--color-port-metrics)',
};

export function edgeId(c: Connection): string {
  return `${c.from.node}.${c.from.port}->${c.to.node}.${c.to.port}`;
}

export function outputPort(type: string, port: string): PortSpec | undefined {
  return getNodeDefinition(type)?.outputs.find((p) => p.name === port);
}

/** `rec[key]`, or undefined when the record has no such key (its index type does not say so). */
export function lookup<T>(rec: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}

/** A React Flow edge for a document edge, coloured by the port type it carries. */
export function makeEdge(c: Connection, srcType: string | undefined): AppEdge {
  const portType = srcType ? outputPort(srcType, c.from.port)?.type : undefined;
  return {
    id: edgeId(c),
    source: c.from.node,
    sourceHandle: c.from.port,
    target: c.to.node,
    targetHandle: c.to.port,
    data: { portType },
    style: portType ? { stroke: PORT_COLORS[portType] } : undefined,
  };
}

export function edgeToConnection(e: Pick<AppEdge, 'source' | 'sourceHandle' | 'target' | 'targetHandle'>): Connection {
  return { from: { node: e.source, port: e.sourceHandle ?? '' }, to: { node: e.target, port: e.targetHandle ?? '' } };
}

/** 'spgd:sampler/spgd' -> 'spgd', then 'spgd-2', 'spgd-3', ... until free. */
export function freshId(type: string, taken: ReadonlySet<string>): string {
  const base = (type.split('/').pop() ?? 'node').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40) || 'node';
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export function newNode(type: string, id: string, position: { x: number; y: number }): AppNode {
  const def = getNodeDefinition(type);
  return {
    id,
    type,
    position,
    data: { params: def ? defaultParams(def.params) : {}, mode: 'active', typeVersion: def?.version ?? 1 },
  };
}

/** Semantics only (no positions): what graph checks and the content hash look at. */
export function toSemantic(nodes: readonly AppNode[], edges: readonly AppEdge[]): Pick<GraphDocument, 'nodes' | 'edges'> {
  const docNodes: GraphDocument['nodes'] = {};
  for (const n of nodes) {
    docNodes[n.id] = {
      type: n.type,
      typeVersion: n.data.typeVersion,
      params: n.data.params,
      mode: n.data.mode,
      ...(n.data.title ? { title: n.data.title } : {}),
    };
  }
  return { nodes: docNodes, edges: edges.map(edgeToConnection) };
}

/** Stable JSON of the graph's semantics: equal for graphs that compute the same thing. */
export function semanticKey(doc: Pick<GraphDocument, 'nodes' | 'edges'>): string {
  return stableStringify({ nodes: doc.nodes, edges: doc.edges });
}

/** The description, if it still describes this graph (see `DocMeta.descriptionFor`). */
export function currentDescription(meta: DocMeta, semantic: Pick<GraphDocument, 'nodes' | 'edges'>): string | undefined {
  if (!meta.description) return undefined;
  return meta.descriptionFor === undefined || meta.descriptionFor === semanticKey(semantic) ? meta.description : undefined;
}

export function toDocument(nodes: readonly AppNode[], edges: readonly AppEdge[], meta: DocMeta): GraphDocument {
  const positions: GraphDocument['ui']['positions'] = {};
  for (const n of nodes) positions[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  const semantic = toSemantic(nodes, edges);
  const description = currentDescription(meta, semantic);
  return {
    format: GRAPH_FORMAT,
    schemaVersion: SCHEMA_VERSION,
    ...(meta.name ? { name: meta.name } : {}),
    ...(description ? { description } : {}),
    ...semantic,
    ui: { positions, groups: meta.groups, ...(meta.viewport ? { viewport: meta.viewport } : {}) },
    // Only the files the graph uses travel with it (a mask repainted ten times carries one).
    assets: withoutUnusedData(meta.assets, semantic.nodes),
  };
}

/** Columns by dependency depth, for documents without positions. */
export function autoLayout(doc: Pick<GraphDocument, 'nodes' | 'edges'>): Record<string, { x: number; y: number }> {
  const topo = topologicalOrder(doc);
  const order = 'order' in topo ? topo.order : Object.keys(doc.nodes);
  const depth = new Map<string, number>();
  for (const id of order) {
    const ins = doc.edges.filter((e) => e.to.node === id).map((e) => (depth.get(e.from.node) ?? 0) + 1);
    depth.set(id, ins.length ? Math.max(...ins) : 0);
  }
  const rows = new Map<number, number>();
  const out: Record<string, { x: number; y: number }> = {};
  for (const id of order) {
    const d = depth.get(id) ?? 0;
    const r = rows.get(d) ?? 0;
    rows.set(d, r + 1);
    out[id] = { x: d * 280, y: r * 150 };
  }
  return out;
}

export type { ParsedDocument };

/**
 * The editor's reading of a parsed document (`lib/graph/files.ts`): besides being a graph, every
 * node type must be one this app has (else importing it would leave blank boxes).
 */
export function knownNodeTypesOnly(parsed: ParsedDocument): ParsedDocument {
  if (!parsed.ok) return parsed;
  const unknown = Object.entries(parsed.doc.nodes).filter(([, n]) => !getNodeDefinition(n.type));
  if (!unknown.length) return parsed;
  const list = unknown.map(([id, n]) => `'${n.type}' (node '${id}')`).join(', ');
  return { ok: false, error: `unknown node type${unknown.length > 1 ? 's' : ''} ${list}: this graph needs node types this SPGD Studio does not have` };
}

/** Parses JSON text or an object into a document, with a one-line reason when it is not one. */
export function parseDocument(input: unknown): ParsedDocument {
  // Any schema version this app ever wrote, and node params migrations (lib/graph/migrate.ts).
  return knownNodeTypesOnly(parseGraphDocument(input, getNodeDefinition));
}

export function fromDocument(doc: GraphDocument): { nodes: AppNode[]; edges: AppEdge[]; meta: DocMeta } {
  const missing = Object.keys(doc.nodes).some((id) => !lookup(doc.ui.positions, id));
  const layout = missing ? autoLayout(doc) : {};
  const nodes: AppNode[] = Object.entries(doc.nodes).map(([id, n]) => ({
    id,
    type: n.type,
    position: lookup(doc.ui.positions, id) ?? lookup(layout, id) ?? { x: 0, y: 0 },
    data: { params: n.params, mode: n.mode, typeVersion: n.typeVersion, ...(n.title ? { title: n.title } : {}) },
  }));
  const edges = doc.edges.map((e) => makeEdge(e, lookup(doc.nodes, e.from.node)?.type));
  return {
    nodes,
    edges,
    meta: {
      name: doc.name,
      description: doc.description,
      ...(doc.description ? { descriptionFor: semanticKey(doc) } : {}),
      assets: doc.assets,
      groups: doc.ui.groups,
      viewport: doc.ui.viewport,
    },
  };
}

/** Stable JSON of everything a save keeps (semantics, layout, groups, name, description): unequal means unsaved changes. */
export function contentKey(doc: GraphDocument): string {
  const { viewport: _v, ...ui } = doc.ui;
  return stableStringify({ ...doc, ui });
}

/** Ids of the built-in presets (server/presets.ts): they cannot be saved over. */
export const BUILTIN_PRESET_PREFIX = 'builtin-';

/** The built-in default (SPGD, random inpainting on the bundled sample), used until the server's preset arrives. */
export function fallbackDocument(): GraphDocument {
  return migrateDocument(defaultPreset.document, getNodeDefinition);
}

/**
 * The nodes whose tensors the result panel shows: the run's result (the last sampler in
 * dependency order, the compiler's rule), the node feeding its measurement, and the clean image
 * that measurement was simulated from, if any. Found by port type, whatever the node types.
 */
export function resultNodes(
  nodes: readonly AppNode[],
  edges: readonly AppEdge[],
): { sampler?: string; measurement?: PortRefJson; groundTruth?: PortRefJson; uncertainty?: PortRefJson } {
  const doc = toSemantic(nodes, edges);
  const t = topologicalOrder(doc);
  if (!('order' in t)) return {};
  const ports = (id: string, side: 'inputs' | 'outputs') => getNodeDefinition(lookup(doc.nodes, id)?.type ?? '')?.[side] ?? [];
  const feeding = (id: string, type: PortType): PortRefJson | undefined => {
    const port = ports(id, 'inputs').find((p) => p.type === type)?.name;
    const e = port ? doc.edges.find((x) => x.to.node === id && x.to.port === port) : undefined;
    return e?.from;
  };
  const sampler = t.order.filter((id) => ports(id, 'outputs').some((p) => p.type === 'Trace')).at(-1);
  const measurement = sampler ? feeding(sampler, 'Measurement') : undefined;
  const groundTruth = measurement ? feeding(measurement.node, 'Image') : undefined;
  const spread = sampler ? ports(sampler, 'outputs').find((p) => p.type === 'Uncertainty')?.name : undefined;
  const uncertainty = sampler && spread ? { node: sampler, port: spread } : undefined;
  return { sampler, measurement, groundTruth, uncertainty };
}

/** Stable JSON (sorted keys) for change detection. */
export function stableStringify(v: unknown): string {
  // What JSON.stringify has no text for (it returns undefined, though typed string).
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`)
    .join(',')}}`;
}
