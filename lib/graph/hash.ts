/**
 * Content hashes of graphs and of node outputs.
 *
 * - `graphHash(doc)`: sha256 (hex) of the canonical JSON of the document's *semantics*: nodes
 *   (type, typeVersion, params with the type's defaults applied, mode), edges (as a sorted set)
 *   and assets. `ui`, `name`, `description` and node titles are left out, so moving a node,
 *   renaming the graph or reordering edges never changes it; so is an asset's embedded `data`,
 *   which its sha256 key already names, so a graph hashes the same with its files inside or not.
 * - `nodeKey(type, params, inputKeys)`: a node output's cache key; it hashes the node's type
 *   and resolved params with the keys of the outputs wired into it, so an unchanged upstream
 *   keeps its key and is not recomputed.
 *
 * Canonical JSON: object keys sorted, `undefined` members dropped, arrays in order, numbers
 * as JSON.stringify writes them (NaN/Infinity as null).
 *
 * @example
 * graphHash(doc) === graphHash({ ...doc, ui: { positions: {}, groups: [] } });  // true
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { z } from 'zod';
import type { GraphDocument, graphNode } from './document';
import type { NodeTypeLookup } from './validate';

/** JSON with object keys sorted at every level (stable across engines and key orders). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // JSON.stringify gives undefined for these (its lib type says string).
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (ArrayBuffer.isView(value)) return canonicalJson(Array.from(value as unknown as ArrayLike<number>));
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined && typeof obj[k] !== 'function')
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return bytesToHex(sha256(typeof data === 'string' ? new TextEncoder().encode(data) : data));
}

/** Params with the node type's defaults filled in (as they were, when they do not validate). */
function resolvedParams(type: string, params: Record<string, unknown>, lookup?: NodeTypeLookup): Record<string, unknown> {
  const def = lookup?.(type);
  if (!def) return params;
  const r = def.params.safeParse(params);
  return r.success ? r.data : params;
}

/** A document as the hash reads it: node fields with defaults (typeVersion, params, mode) may be left out. */
type HashedDocument = Pick<GraphDocument, 'edges'> & Partial<Pick<GraphDocument, 'assets'>> & { nodes: Record<string, z.input<typeof graphNode>> };

/** The semantic part of a document that the content hash covers. */
function hashedContent(doc: HashedDocument, lookup?: NodeTypeLookup) {
  const nodes: Record<string, unknown> = {};
  for (const [id, n] of Object.entries(doc.nodes)) {
    nodes[id] = { type: n.type, typeVersion: n.typeVersion ?? 1, params: resolvedParams(n.type, n.params ?? {}, lookup), mode: n.mode ?? 'active' };
  }
  const edges = doc.edges.map((e) => `${e.from.node}\u0000${e.from.port}\u0000${e.to.node}\u0000${e.to.port}`).sort();
  const assets: Record<string, unknown> = {};
  for (const [sha, { data: _embedded, ...ref }] of Object.entries(doc.assets ?? {})) assets[sha] = ref;
  return { nodes, edges, assets };
}

/** sha256 hex of the canonical JSON of nodes + edges + assets (defaults applied). */
export function graphHash(doc: HashedDocument, lookup?: NodeTypeLookup): string {
  return sha256Hex(canonicalJson(hashedContent(doc, lookup)));
}

/**
 * Cache key of one node's outputs: its type (and version), its resolved params and, per input
 * port, the key of the upstream node plus the upstream port. Optional inputs left unconnected
 * are simply absent.
 */
export function nodeKey(
  type: string,
  params: Record<string, unknown>,
  inputKeys: Record<string, string | undefined>,
  typeVersion = 1,
): string {
  const inputs: Record<string, string> = {};
  for (const [port, key] of Object.entries(inputKeys)) if (key !== undefined) inputs[port] = key;
  return sha256Hex(canonicalJson({ type, typeVersion, params, inputs }));
}
