/**
 * What run history calls a run: the preset its graph came from, then what differs from that
 * preset, e.g. "SPGD: random inpainting (80% missing) · eta=2, steps=30" or "... · +1 node,
 * rewired". A param is named by its node too ("warm.steps=2") when another node has a param of
 * that name. A graph from no preset is called by its own name.
 */
import type { GraphDocument } from '../lib/graph/document';

/** Differences listed before "+n more". */
const SHOWN = 4;
const MAX_VALUE = 24;

function show(v: unknown): string {
  const s = typeof v === 'string' ? v : v === undefined ? '(unset)' : JSON.stringify(v);
  const short = typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(4))) : s;
  return short.length > MAX_VALUE ? `${short.slice(0, MAX_VALUE - 1)}…` : short;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The params (and nodes, wires) of `doc` that differ from `base`, most telling first. */
export function differences(doc: Pick<GraphDocument, 'nodes' | 'edges'>, base: Pick<GraphDocument, 'nodes' | 'edges'>): string[] {
  const paramOwners = new Map<string, number>();
  for (const n of Object.values(doc.nodes)) for (const k of Object.keys(n.params)) paramOwners.set(k, (paramOwners.get(k) ?? 0) + 1);
  const params: string[] = [];
  let added = 0;
  for (const [id, n] of Object.entries(doc.nodes)) {
    const b = Object.hasOwn(base.nodes, id) ? base.nodes[id] : undefined;
    if (b?.type !== n.type) {
      added++;
      continue;
    }
    if (n.mode !== b.mode) params.push(`${id} ${n.mode === 'bypass' ? 'bypassed' : 'active'}`);
    for (const key of new Set([...Object.keys(n.params), ...Object.keys(b.params)])) {
      const v = Object.hasOwn(n.params, key) ? n.params[key] : undefined;
      const w = Object.hasOwn(b.params, key) ? b.params[key] : undefined;
      if (sameValue(v, w)) continue;
      const name = (paramOwners.get(key) ?? 0) > 1 ? `${id}.${key}` : key;
      params.push(`${name}=${show(v)}`);
    }
  }
  const removed = Object.keys(base.nodes).filter((id) => !Object.hasOwn(doc.nodes, id) || doc.nodes[id].type !== base.nodes[id].type).length;
  const wire = (e: GraphDocument['edges'][number]) => `${e.from.node}.${e.from.port}>${e.to.node}.${e.to.port}`;
  const baseWires = new Set(base.edges.map(wire));
  const rewired = doc.edges.length !== base.edges.length || doc.edges.some((e) => !baseWires.has(wire(e)));
  const structure = [
    ...(added ? [`+${added} node${added > 1 ? 's' : ''}`] : []),
    ...(removed ? [`−${removed} node${removed > 1 ? 's' : ''}`] : []),
    ...(rewired && !added && !removed ? ['rewired'] : []),
  ];
  return [...params, ...structure];
}

/** "<preset> · <differences>", or the graph's own name when it came from no preset. */
export function runLabel(doc: GraphDocument, base: { name: string; document: GraphDocument } | null): string {
  if (!base) return doc.name?.trim() || 'untitled graph';
  const diffs = differences(doc, base.document);
  if (diffs.length === 0) return base.name;
  const more = diffs.length > SHOWN ? `, +${diffs.length - SHOWN} more` : '';
  return `${base.name} · ${diffs.slice(0, SHOWN).join(', ')}${more}`;
}
