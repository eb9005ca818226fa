import { describe, expect, it } from 'vitest';
import { getNodeDefinition } from '../../nodes';
import { NODE_KIT } from '../../nodes/runs';
import { testGraph } from '../../nodes/testing';
import { compileGraph } from '../plan/compile';
import { compactDocument } from './compact';
import { graphDocument, isReservedId, nodeAt } from './document';
import { migrateDocument } from './migrate';

/** The test graph with node `from` renamed to `to` (its wires follow). */
function renamed(from: string, to: string) {
  const doc = testGraph();
  const nodes = Object.fromEntries(Object.entries(doc.nodes).map(([id, n]) => [id === from ? to : id, n]));
  const rename = (r: { node: string; port: string }) => ({ ...r, node: r.node === from ? to : r.node });
  return { ...doc, nodes, edges: doc.edges.map((e) => ({ from: rename(e.from), to: rename(e.to) })) };
}

describe('node ids', () => {
  it('refuses the names every JavaScript object answers to, which plain-object lookups would otherwise find', () => {
    for (const id of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__']) {
      expect(isReservedId(id)).toBe(true);
      const r = graphDocument.safeParse(renamed('metrics', id));
      expect(r.success).toBe(false);
      expect(r.error?.issues.some((i) => /reserved/.test(i.message))).toBe(true);
    }
    expect(isReservedId('metrics')).toBe(false);
    expect(graphDocument.safeParse(renamed('metrics', 'constructor2')).success).toBe(true);
  });

  it('compiles a document with such an id into a clear error, not a crash and not a plan', async () => {
    const r = await compileGraph(renamed('metrics', 'constructor'), NODE_KIT);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues.graph.join(' ')).toMatch(/nodes\.constructor.*reserved/);
    // a wire naming one is refused too, even when no node has it
    const wire = testGraph();
    wire.edges.push({ from: { node: 'toString', port: 'image' }, to: { node: 'metrics', port: 'image' } });
    expect((await compileGraph(wire, NODE_KIT)).ok).toBe(false);
  });

  it('finds only own nodes by id', () => {
    expect(nodeAt({ nodes: {} }, 'constructor')).toBeUndefined();
    expect(nodeAt({ nodes: {} }, 'hasOwnProperty')).toBeUndefined();
    expect(nodeAt(testGraph(), 'img')?.type).toBe('spgd:input/load-image');
  });

  it('bounds titles, asset names and group sizes', () => {
    const long = 'x'.repeat(201);
    const doc = testGraph();
    doc.nodes.img.title = long;
    expect(graphDocument.safeParse(doc).success).toBe(false);
    const withAsset = { ...testGraph(), assets: { ['a'.repeat(64)]: { kind: 'image', name: long } } };
    expect(graphDocument.safeParse(withAsset).success).toBe(false);
  });
});

describe('compactDocument', () => {
  it('keeps the graph and drops what no node uses: positions of missing nodes, fractional pixels, unused assets, empty groups', () => {
    const used = 'b'.repeat(64);
    const raw = testGraph({ source: `sha256:${used}` });
    raw.ui = {
      positions: { img: { x: 10.4, y: 20.6 }, gone: { x: 1, y: 1 } },
      groups: [
        { id: 'g1', title: 'inputs', nodes: ['img', 'gone'], bounds: { x: 0, y: 0, width: 100, height: 100 }, color: 'slate' },
        { id: 'g2', title: 'empty', nodes: ['gone'], bounds: { x: 0, y: 0, width: 100, height: 100 }, color: 'slate' },
      ],
    };
    raw.assets = { [used]: { kind: 'image', name: 'photo.png' }, ['c'.repeat(64)]: { kind: 'image', name: 'unused.png' } };
    const doc = migrateDocument(raw, getNodeDefinition);
    const compact = compactDocument(doc, new Map([['img', { source: `sha256:${used}`, size: 16 }]]));
    expect(Object.keys(compact.nodes).sort()).toEqual(Object.keys(doc.nodes).sort());
    expect(compact.edges).toEqual(doc.edges);
    expect(compact.ui.positions).toEqual({ img: { x: 10, y: 21 } });
    expect(compact.ui.groups).toEqual([{ id: 'g1', title: 'inputs', nodes: ['img'], bounds: { x: 0, y: 0, width: 100, height: 100 }, color: 'slate' }]);
    expect(Object.keys(compact.assets)).toEqual([used]);
    expect(graphDocument.parse(compact)).toEqual(compact);
  });
});
