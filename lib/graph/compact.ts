/**
 * The compact form of a graph document: what a run keeps and embeds in every PNG it writes.
 * It is the document with the params the compiler resolved (defaults applied, nothing the node
 * schemas do not know), the wires, the positions of its own nodes (whole pixels), the groups of
 * its own nodes, and only the assets its params refer to. Whatever else a client sent is
 * dropped, so a bulky request is not stored again and again.
 *
 * @example
 * const doc = compactDocument(migrateDocument(raw, lookup), resolvedParams);
 */
import type { GraphDocument } from './document';

const ASSET_REF = /sha256:([0-9a-f]{64})/g;

/** The hashes of the assets a node's params name ('sha256:<hex>' anywhere in them). */
function assetRefs(params: Record<string, unknown>): string[] {
  return [...JSON.stringify(params).matchAll(ASSET_REF)].map((m) => m[1]);
}

/**
 * @param resolved params by node id as the compiler resolved them (nodes absent here keep theirs,
 *   e.g. bypassed ones).
 */
export function compactDocument(doc: GraphDocument, resolved: ReadonlyMap<string, Record<string, unknown>> = new Map()): GraphDocument {
  const nodes: GraphDocument['nodes'] = {};
  const positions: GraphDocument['ui']['positions'] = {};
  const assets: GraphDocument['assets'] = {};
  for (const [id, n] of Object.entries(doc.nodes)) {
    const params = resolved.get(id) ?? n.params;
    nodes[id] = { type: n.type, typeVersion: n.typeVersion, params, mode: n.mode, ...(n.title === undefined ? {} : { title: n.title }) };
    const p = Object.hasOwn(doc.ui.positions, id) ? doc.ui.positions[id] : undefined;
    if (p) positions[id] = { x: Math.round(p.x), y: Math.round(p.y) };
    for (const sha of assetRefs(params)) if (Object.hasOwn(doc.assets, sha)) assets[sha] = doc.assets[sha];
  }
  const isNode = (id: string) => Object.hasOwn(nodes, id);
  const groups = doc.ui.groups.map((g) => ({ ...g, nodes: g.nodes.filter(isNode) })).filter((g) => g.nodes.length > 0);
  return {
    format: doc.format,
    schemaVersion: doc.schemaVersion,
    ...(doc.name === undefined ? {} : { name: doc.name }),
    ...(doc.description === undefined ? {} : { description: doc.description }),
    nodes,
    edges: doc.edges.filter((e) => isNode(e.from.node) && isNode(e.to.node)),
    ui: { positions, groups, ...(doc.ui.viewport ? { viewport: doc.ui.viewport } : {}) },
    assets,
  };
}
