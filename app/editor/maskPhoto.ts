/**
 * The photo a mask applies to, found through the graph by port types (never by node type): the
 * mask node's Mask output feeds an operator; the nodes that operator feeds take the photo as a
 * Measurement (a sampler) or an Image (a simulated measurement); upstream of that wire, the
 * first node with an image asset param (`asset: 'image'` in its schema) holds the photo. Where
 * the static facts know the size of the wire (a Load image resized to a square), that is the size
 * the mask must have; otherwise the photo's own size is. Pure: no React, no store.
 */
import type { GraphDocument } from '../../lib/graph/document';
import type { PortType } from '../../lib/graph/ports';
import { inferFacts, type NodeTypeLookup } from '../../lib/graph/validate';
import { getNodeDefinition } from '../../nodes';
import { assetParams } from '../../nodes/input/sources';
import { lookup } from './graph';

export interface MaskPhoto {
  /** The node that loads the photo, and its source ('sample:<name>' | 'sha256:<hex>'). */
  node: string;
  source: string;
  /** The size of the photo where the mask's operator meets it, when the graph fixes it. */
  size?: { width: number; height: number };
}

type Doc = Pick<GraphDocument, 'nodes' | 'edges'>;

/** Nodes wired from `node`'s outputs of port type `type`. */
function consumers(doc: Doc, node: string, type: PortType, defs: NodeTypeLookup): string[] {
  const outs = new Set((defs(lookup(doc.nodes, node)?.type ?? '')?.outputs ?? []).filter((p) => p.type === type).map((p) => p.name));
  return doc.edges.filter((e) => e.from.node === node && outs.has(e.from.port)).map((e) => e.to.node);
}

/** The wires into `node`'s inputs of port type `type`. */
function feeds(doc: Doc, node: string, type: PortType, defs: NodeTypeLookup): GraphDocument['edges'] {
  const ins = new Set((defs(lookup(doc.nodes, node)?.type ?? '')?.inputs ?? []).filter((p) => p.type === type).map((p) => p.name));
  return doc.edges.filter((e) => e.to.node === node && ins.has(e.to.port));
}

/** The image source a node's params name, if its type has an image asset param. */
function imageSourceOf(doc: Doc, node: string, defs: NodeTypeLookup): string | null {
  const n = lookup(doc.nodes, node);
  const def = n && defs(n.type);
  if (!n || !def) return null;
  for (const p of assetParams(def.params)) {
    const v = n.params[p.name];
    if (p.asset === 'image' && typeof v === 'string' && v !== '') return v;
  }
  return null;
}

/** The photo under the mask of node `maskNode`, or null when none is wired to its operator. */
export function maskPhoto(doc: Doc, maskNode: string, defs: NodeTypeLookup = getNodeDefinition): MaskPhoto | null {
  const operators = consumers(doc, maskNode, 'Mask', defs);
  const users = operators.flatMap((op) => consumers(doc, op, 'Operator', defs));
  // The photo arrives as a measurement (what is restored) before any clean image.
  const wires = (['Measurement', 'Image'] as const).flatMap((type) => users.flatMap((u) => feeds(doc, u, type, defs)));
  let facts: ReturnType<typeof inferFacts>['facts'] | undefined;
  for (const wire of wires) {
    // Upstream of the wire, through images and measurements only, nearest first.
    const queue = [wire.from.node];
    const seen = new Set<string>();
    while (queue.length) {
      const id = queue.shift() ?? '';
      if (seen.has(id)) continue;
      seen.add(id);
      const source = imageSourceOf(doc, id, defs);
      if (source) {
        facts ??= inferFacts(doc, defs).facts;
        const f = facts.get(wire.from.node)?.[wire.from.port];
        const size = f?.height && f.width ? { width: f.width, height: f.height } : undefined;
        return { node: id, source, ...(size ? { size } : {}) };
      }
      for (const type of ['Measurement', 'Image'] as const) for (const e of feeds(doc, id, type, defs)) queue.push(e.from.node);
    }
  }
  return null;
}
