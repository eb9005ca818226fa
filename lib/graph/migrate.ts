/**
 * Graph document migrations: any saved document (any schemaVersion this app ever wrote) to the
 * current shape in document.ts, then every node's params to its node type's current version.
 *
 * Document migrations are ordered and keyed by the version they start from: MIGRATIONS[k]
 * turns a version-k document into a version-(k + 1) one. Node params migrations live with
 * each node type (`NodeDefinition.migrate[k]`: typeVersion k -> k + 1), so this module takes
 * a lookup instead of importing nodes/ (lib/ does not depend on nodes/).
 *
 * Version 0 (the first draft format, still found in early exported files):
 *
 *   { format: 'spgd-studio.graph', schemaVersion: 0,
 *     nodes: { [id]: { type, version?, params?, position?: {x, y}, bypass?: boolean, title? } },
 *     edges: [[fromNode, fromPort, toNode, toPort], ...],
 *     viewport?: {x, y, zoom}, name?, description?, assets? }
 *
 * Version 1 moves positions and the viewport into `ui`, turns edges into
 * `{from: {node, port}, to: {node, port}}`, renames `version` to `typeVersion` and
 * `bypass: true` to `mode: 'bypass'`.
 *
 * Version 2 gives each group in `ui.groups` (version 1: `{ id, title, nodes }`) its frame,
 * `bounds: { x, y, width, height }` around its members' positions, and a `color`; members that
 * are not nodes of the graph, and second memberships of a node, are dropped.
 *
 * @example
 * const doc = migrateDocument(JSON.parse(text), getNodeDefinition);  // GraphDocument (current version)
 */
import { z } from 'zod';
import { SpgdError } from '../errors';
import { GRAPH_FORMAT, SCHEMA_VERSION, graphDocument, type GraphDocument } from './document';

/** What migrating needs from a node type (NodeDefinition in nodes/define.ts satisfies it). */
export interface NodeMigrationInfo {
  version: number;
  migrate?: Record<number, (params: Record<string, unknown>) => Record<string, unknown>>;
}
export type NodeMigrationLookup = (type: string) => NodeMigrationInfo | undefined;

/**
 * The loosest shape a graph document of any version has: procedures that accept "a graph
 * document, any schema version" validate with this and migrate afterwards.
 */
export const anyGraphDocument = z.looseObject({
  format: z.string(),
  schemaVersion: z.number().int(),
});
export type AnyGraphDocument = z.infer<typeof anyGraphDocument>;

/** A document that cannot be read or migrated; `issues` lists every problem found. */
export class GraphDocumentError extends SpgdError {
  constructor(readonly issues: string[]) {
    super('BAD_INPUT', `invalid graph document: ${issues.join('; ')}`);
    this.name = 'GraphDocumentError';
  }
}

type Json = Record<string, unknown>;

// ---------------------------------------------------------------------------------- v0

const v0Node = z.looseObject({
  type: z.string().min(1),
  version: z.number().int().min(1).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  position: z.object({ x: z.number(), y: z.number() }).optional(),
  bypass: z.boolean().optional(),
  title: z.string().optional(),
});

const v0Document = z.looseObject({
  format: z.literal(GRAPH_FORMAT),
  schemaVersion: z.literal(0),
  name: z.string().optional(),
  description: z.string().optional(),
  nodes: z.record(z.string(), v0Node),
  edges: z.array(z.tuple([z.string(), z.string(), z.string(), z.string()])).default([]),
  viewport: z.object({ x: z.number(), y: z.number(), zoom: z.number() }).optional(),
  assets: z.record(z.string(), z.unknown()).optional(),
});

function fromV0(raw: Json): Json {
  const r = v0Document.safeParse(raw);
  if (!r.success) throw new GraphDocumentError(zodMessages(r.error, 'version 0 document'));
  const d = r.data;
  const nodes: Json = {};
  const positions: Record<string, { x: number; y: number }> = {};
  for (const [id, n] of Object.entries(d.nodes)) {
    nodes[id] = {
      type: n.type,
      typeVersion: n.version ?? 1,
      params: n.params ?? {},
      mode: n.bypass ? 'bypass' : 'active',
      ...(n.title === undefined ? {} : { title: n.title }),
    };
    if (n.position) positions[id] = n.position;
  }
  return {
    format: GRAPH_FORMAT,
    schemaVersion: 1,
    ...(d.name === undefined ? {} : { name: d.name }),
    ...(d.description === undefined ? {} : { description: d.description }),
    nodes,
    edges: d.edges.map(([fromNode, fromPort, toNode, toPort]) => ({
      from: { node: fromNode, port: fromPort },
      to: { node: toNode, port: toPort },
    })),
    ui: { positions, groups: [], ...(d.viewport ? { viewport: d.viewport } : {}) },
    assets: d.assets ?? {},
  };
}

// ---------------------------------------------------------------------------------- v1

const v1Group = z.looseObject({ id: z.string(), title: z.string(), nodes: z.array(z.string()).default([]) });
const v1Document = z.looseObject({
  nodes: z.record(z.string(), z.unknown()),
  ui: z
    .looseObject({
      positions: z.record(z.string(), z.object({ x: z.number(), y: z.number() })).default({}),
      groups: z.array(v1Group).default([]),
    })
    .optional(),
});

/** The size a node is assumed to have where the real one is unknown (the editor's node is 240 px wide). */
export const NOMINAL_NODE_SIZE = { width: 240, height: 170 };
/** Room around a group's members, and above them for its title. */
export const GROUP_PADDING = { side: 20, top: 40 };

/** A frame around nodes at `positions` (each of `size`), with the group padding. */
export function boundsAround(
  positions: readonly { x: number; y: number; width?: number; height?: number }[],
): { x: number; y: number; width: number; height: number } {
  if (positions.length === 0) return { x: 0, y: 0, width: 320, height: 200 };
  const x0 = Math.min(...positions.map((p) => p.x)) - GROUP_PADDING.side;
  const y0 = Math.min(...positions.map((p) => p.y)) - GROUP_PADDING.top;
  const x1 = Math.max(...positions.map((p) => p.x + (p.width ?? NOMINAL_NODE_SIZE.width))) + GROUP_PADDING.side;
  const y1 = Math.max(...positions.map((p) => p.y + (p.height ?? NOMINAL_NODE_SIZE.height))) + GROUP_PADDING.side;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function fromV1(raw: Json): Json {
  const r = v1Document.safeParse(raw);
  if (!r.success) throw new GraphDocumentError(zodMessages(r.error, 'version 1 document'));
  const ui = r.data.ui ?? { positions: {}, groups: [] };
  const seen = new Set<string>();
  const groups = ui.groups.map((g) => {
    const members = g.nodes.filter((id) => Object.hasOwn(r.data.nodes, id) && !seen.has(id));
    for (const id of members) seen.add(id);
    const placed = members.flatMap((id) => (Object.hasOwn(ui.positions, id) ? [ui.positions[id]] : []));
    return { id: g.id, title: g.title, nodes: members, bounds: boundsAround(placed), color: 'slate' };
  });
  return { ...raw, schemaVersion: 2, ui: { ...(raw.ui as Json | undefined), positions: ui.positions, groups } };
}

/** MIGRATIONS[k]: a version-k document to version k + 1. Keep one entry per version ever written. */
export const MIGRATIONS: Partial<Record<number, (doc: Json) => Json>> = {
  0: fromV0,
  1: fromV1,
};

// ---------------------------------------------------------------------------------- driver

function zodMessages(error: z.ZodError, what: string): string[] {
  return error.issues.map((i) => `${what}${i.path.length ? ` at ${i.path.join('.')}` : ''}: ${i.message}`);
}

/** The document brought to SCHEMA_VERSION (not yet validated against the current schema). */
function upgradeDocument(raw: unknown): Json {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new GraphDocumentError([`a graph document is a JSON object, got ${raw === null ? 'null' : Array.isArray(raw) ? 'an array' : typeof raw}`]);
  }
  let doc = raw as Json;
  if (doc.format !== GRAPH_FORMAT) {
    throw new GraphDocumentError([`format must be '${GRAPH_FORMAT}', got ${JSON.stringify(doc.format)}`]);
  }
  const v = doc.schemaVersion;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new GraphDocumentError([`schemaVersion must be a non-negative integer, got ${JSON.stringify(v)}`]);
  }
  if (v > SCHEMA_VERSION) {
    throw new GraphDocumentError([
      `schemaVersion ${v} was written by a newer SPGD Studio; this one reads versions 0 to ${SCHEMA_VERSION}. Update the app to open it`,
    ]);
  }
  for (let k = v; k < SCHEMA_VERSION; k++) {
    const step = MIGRATIONS[k];
    if (!step) throw new GraphDocumentError([`no migration from schemaVersion ${k} to ${k + 1}`]);
    doc = step(doc);
  }
  return doc;
}

/** Problems found while migrating node params, keyed by node id (the compiler reports them per node). */
export type NodeMigrationIssues = Record<string, string[]>;

/**
 * Brings every node's params to its type's current version with the type's `migrate` steps.
 * Unknown types are left alone (the validator reports them). Returns the new document and the
 * nodes that could not be migrated (their params are kept as they were).
 */
function migrateNodes(doc: GraphDocument, lookup: NodeMigrationLookup): { document: GraphDocument; issues: NodeMigrationIssues } {
  const issues: NodeMigrationIssues = {};
  const nodes: GraphDocument['nodes'] = {};
  for (const [id, node] of Object.entries(doc.nodes)) {
    const def = lookup(node.type);
    if (!def || node.typeVersion === def.version) {
      nodes[id] = node;
      continue;
    }
    if (node.typeVersion > def.version) {
      (issues[id] ??= []).push(
        `'${node.type}' version ${node.typeVersion} was saved by a newer SPGD Studio (this one knows version ${def.version})`,
      );
      nodes[id] = node;
      continue;
    }
    let params: Record<string, unknown> = { ...node.params };
    let ok = true;
    for (let k = node.typeVersion; k < def.version; k++) {
      const step = def.migrate?.[k];
      if (!step) {
        (issues[id] ??= []).push(`'${node.type}' has no params migration from version ${k} to ${k + 1}`);
        ok = false;
        break;
      }
      try {
        params = step(params);
      } catch (e) {
        (issues[id] ??= []).push(`'${node.type}' params migration ${k} -> ${k + 1} failed: ${e instanceof Error ? e.message : String(e)}`);
        ok = false;
        break;
      }
    }
    nodes[id] = ok ? { ...node, params, typeVersion: def.version } : node;
  }
  return { document: { ...doc, nodes }, issues };
}

/**
 * Migrates and validates a document of any known schema version, with per-node issues
 * instead of an exception for nodes whose params cannot be migrated.
 * @throws GraphDocumentError when the document itself is unreadable.
 */
export function migrateDocumentWithIssues(raw: unknown, lookup?: NodeMigrationLookup): { document: GraphDocument; issues: NodeMigrationIssues } {
  const upgraded = upgradeDocument(raw);
  const parsed = graphDocument.safeParse(upgraded);
  if (!parsed.success) throw new GraphDocumentError(zodMessages(parsed.error, 'document'));
  const isNode = (id: string) => Object.hasOwn(parsed.data.nodes, id);
  const dangling = Object.keys(parsed.data.ui.positions).filter((id) => !isNode(id));
  const document = dangling.length
    ? { ...parsed.data, ui: { ...parsed.data.ui, positions: Object.fromEntries(Object.entries(parsed.data.ui.positions).filter(([id]) => isNode(id))) } }
    : parsed.data;
  return lookup ? migrateNodes(document, lookup) : { document, issues: {} };
}

/**
 * Any saved document -> the current GraphDocument: schema migrations in order, then (with a
 * lookup) node params migrations.
 * @throws GraphDocumentError naming every problem (unknown or future version, bad shape, a node
 *   whose params cannot be migrated).
 */
export function migrateDocument(raw: unknown, lookup?: NodeMigrationLookup): GraphDocument {
  const { document, issues } = migrateDocumentWithIssues(raw, lookup);
  const list = Object.entries(issues).flatMap(([id, msgs]) => msgs.map((m) => `node '${id}': ${m}`));
  if (list.length) throw new GraphDocumentError(list);
  return document;
}
