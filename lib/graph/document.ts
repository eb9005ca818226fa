/**
 * The graph document: one canonical JSON form of a restoration graph (product.md, "Graph
 * document"). Semantics (nodes, params by name, edges) are kept apart from `ui` (positions,
 * viewport), so moving a node never changes the graph's content hash. External assets
 * (uploaded models and images) are referenced by sha256; a small image or mask may also carry
 * its bytes (`data`), so the graph works on a server that never saw the upload.
 */
import { z } from 'zod';

export const GRAPH_FORMAT = 'spgd-studio.graph';
/** Bump with a migration in migrate.ts whenever the document's shape changes. */
export const SCHEMA_VERSION = 2;
/**
 * The most nodes a document may hold: far above any real graph, low enough that validating and
 * compiling one stays cheap (a server may set a lower limit for runs, SPGD_MAX_RUN_NODES).
 */
export const MAX_NODES = 2000;

/**
 * Names every JavaScript object answers to ('constructor', 'toString', '__proto__'...): as node
 * ids they would read Object.prototype through any plain-object lookup (`issues.nodes[id]`), so
 * they are refused.
 */
export function isReservedId(id: string): boolean {
  return id in Object.prototype;
}

/** Longest text the document keeps in a title, a port name or an asset name. */
export const MAX_LABEL = 200;

export const nodeId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'node ids are 1-64 letters, digits, _ or -')
  .refine((id) => !isReservedId(id), { message: 'this node id is reserved (every JavaScript object has a property of that name); rename the node' });
export const portRef = z.object({ node: nodeId, port: z.string().min(1).max(MAX_LABEL) });

export const graphNode = z.object({
  /** Namespaced node type, e.g. 'spgd:sampler/spgd'. */
  type: z.string().min(1),
  /** Version of the node type's params; older versions are migrated by the node definition. */
  typeVersion: z.number().int().min(1).default(1),
  /** Parameters by name (never positional); validated by the node type's zod schema. */
  params: z.record(z.string(), z.unknown()).default({}),
  mode: z.enum(['active', 'bypass']).default('active'),
  title: z.string().max(MAX_LABEL).optional(),
});

export const graphEdge = z.object({ from: portRef, to: portRef });

export const GROUP_COLORS = ['slate', 'blue', 'green', 'amber', 'red', 'violet'] as const;

/** A titled frame on the canvas: its member nodes move with it. Layout only (not in the content hash). */
export const graphGroup = z.object({
  id: z.string().min(1).max(64),
  title: z.string().max(200),
  /** Member node ids (a node belongs to at most one group). */
  nodes: z.array(nodeId).max(MAX_NODES),
  /** The frame in canvas coordinates. */
  bounds: z.object({ x: z.number(), y: z.number(), width: z.number().positive(), height: z.number().positive() }),
  color: z.enum(GROUP_COLORS).default('slate'),
});

export const graphUi = z.object({
  positions: z.record(z.string(), z.object({ x: z.number(), y: z.number() })).default({}),
  viewport: z.object({ x: z.number(), y: z.number(), zoom: z.number() }).optional(),
  groups: z.array(graphGroup).max(MAX_NODES).default([]),
});

/** Largest file an asset may carry inside a document: masks and small photos travel, models never. */
export const MAX_EMBEDDED_ASSET_BYTES = 256 * 1024;

const assetRef = z.object({
  kind: z.enum(['model', 'image']),
  name: z.string().max(MAX_LABEL),
  bytes: z.number().int().nonnegative().optional(),
  /**
   * The file itself, base64, for images and masks up to MAX_EMBEDDED_ASSET_BYTES: the server
   * stores it (validated like an upload) before it compiles, runs or saves the graph.
   */
  data: z
    .string()
    .max(4 * Math.ceil(MAX_EMBEDDED_ASSET_BYTES / 3), `an embedded asset is at most ${MAX_EMBEDDED_ASSET_BYTES / 1024} KiB; upload larger files instead`)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'embedded asset data must be base64')
    .optional(),
});

export const graphDocument = z.object({
  format: z.literal(GRAPH_FORMAT),
  schemaVersion: z.literal(SCHEMA_VERSION),
  name: z.string().max(200).optional(),
  description: z.string().max(5000).optional(),
  nodes: z.record(nodeId, graphNode).refine((n) => Object.keys(n).length <= MAX_NODES, `a graph has at most ${MAX_NODES} nodes`),
  edges: z.array(graphEdge).max(4 * MAX_NODES).default([]),
  ui: graphUi.default({ positions: {}, groups: [] }),
  /** sha256 (hex) -> what it is; node params refer to assets by this key. */
  assets: z
    .record(z.string().regex(/^[0-9a-f]{64}$/), assetRef)
    .refine((a) => Object.keys(a).length <= MAX_NODES, `a graph refers to at most ${MAX_NODES} assets`)
    .default({}),
});

export type GraphNode = z.infer<typeof graphNode>;
export type GraphEdge = z.infer<typeof graphEdge>;
export type GraphGroup = z.infer<typeof graphGroup>;
export type GraphDocument = z.infer<typeof graphDocument>;
export type PortRef = z.infer<typeof portRef>;

/** The node with this id, if any: ids on wires are not checked against the nodes when a document is parsed. */
export function nodeAt(doc: Pick<GraphDocument, 'nodes'>, id: string): GraphNode | undefined {
  return Object.hasOwn(doc.nodes, id) ? doc.nodes[id] : undefined;
}
