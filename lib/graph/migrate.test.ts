import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getNodeDefinition } from '../../nodes';
import { GRAPH_FORMAT, SCHEMA_VERSION } from './document';
import { embeddedAssets } from './embedded-assets';
import { graphHash, sha256Hex } from './hash';
import { bytesToBase64 } from '../io/base64';
import { GraphDocumentError, migrateDocument, migrateDocumentWithIssues, type NodeMigrationLookup } from './migrate';

const v0 = {
  format: GRAPH_FORMAT,
  schemaVersion: 0,
  name: 'old graph',
  nodes: {
    img: { type: 'spgd:input/load-image', params: { size: 32 }, position: { x: 10, y: 20 } },
    op: { type: 'spgd:degradation/degrade', version: 1, params: { task: 'sr-x4' }, position: { x: 0, y: 200 } },
    sim: { type: 'spgd:degradation/simulate', bypass: true, title: 'y' },
  },
  edges: [
    ['img', 'image', 'sim', 'image'],
    ['op', 'operator', 'sim', 'operator'],
  ],
  viewport: { x: 1, y: 2, zoom: 0.5 },
};

describe('migrateDocument', () => {
  it('migrates a version-0 document (tuple edges, positions in nodes) to the current version', () => {
    const doc = migrateDocument(v0, getNodeDefinition);
    expect(doc.schemaVersion).toBe(SCHEMA_VERSION);
    expect(doc.edges).toEqual([
      { from: { node: 'img', port: 'image' }, to: { node: 'sim', port: 'image' } },
      { from: { node: 'op', port: 'operator' }, to: { node: 'sim', port: 'operator' } },
    ]);
    expect(doc.ui.positions).toEqual({ img: { x: 10, y: 20 }, op: { x: 0, y: 200 } });
    expect(doc.ui.viewport).toEqual({ x: 1, y: 2, zoom: 0.5 });
    expect(doc.nodes.sim).toMatchObject({ mode: 'bypass', title: 'y', typeVersion: 1, params: {} });
    expect(doc.nodes.img).toMatchObject({ mode: 'active', typeVersion: 1, params: { size: 32 } });
    expect(doc.nodes.img).not.toHaveProperty('position');
    expect(doc.name).toBe('old graph');
  });

  it('gives the same content hash as the same graph written as version 1', () => {
    const v1 = migrateDocument(v0, getNodeDefinition);
    const moved = { ...v1, ui: { positions: {}, groups: [] } };
    expect(graphHash(migrateDocument(v0), getNodeDefinition)).toBe(graphHash(moved, getNodeDefinition));
  });

  it('gives version-1 groups a frame around their members (and drops unknown or doubled members)', () => {
    const v1 = {
      format: GRAPH_FORMAT,
      schemaVersion: 1,
      nodes: {
        a: { type: 'spgd:input/load-image', params: {} },
        b: { type: 'spgd:degradation/degrade', params: {} },
      },
      edges: [],
      ui: {
        positions: { a: { x: 100, y: 50 }, b: { x: 400, y: 300 } },
        groups: [
          { id: 'g1', title: 'inputs', nodes: ['a', 'b', 'gone'] },
          { id: 'g2', title: 'again', nodes: ['b'] },
          { id: 'g3', title: 'empty', nodes: [] },
        ],
      },
    };
    const doc = migrateDocument(v1, getNodeDefinition);
    expect(doc.schemaVersion).toBe(SCHEMA_VERSION);
    const [g1, g2, g3] = doc.ui.groups;
    expect(g1).toEqual({ id: 'g1', title: 'inputs', nodes: ['a', 'b'], color: 'slate', bounds: { x: 80, y: 10, width: 580, height: 480 } });
    expect(g2.nodes).toEqual([]);
    expect(g3.bounds.width).toBeGreaterThan(0);
    // the positions and the graph itself are untouched
    expect(doc.ui.positions).toEqual(v1.ui.positions);
    expect(Object.keys(doc.nodes)).toEqual(['a', 'b']);
  });

  it("keeps a version-1 document's embedded files (assets[sha].data) and its group members through the migration", () => {
    const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
    const sha = sha256Hex(png);
    const v1 = {
      format: GRAPH_FORMAT,
      schemaVersion: 1,
      nodes: { m: { type: 'spgd:input/load-mask', params: { source: `sha256:${sha}` } } },
      edges: [],
      ui: { positions: { m: { x: 0, y: 0 } }, groups: [{ id: 'g', title: 'mask', nodes: ['m'] }] },
      assets: { [sha]: { kind: 'image', name: 'mask.png', data: bytesToBase64(png) } },
    };
    const doc = migrateDocument(v1, getNodeDefinition);
    expect(doc.schemaVersion).toBe(SCHEMA_VERSION);
    expect(doc.assets[sha]).toEqual(v1.assets[sha]);
    expect(embeddedAssets(doc.assets).files.map((f) => [f.sha256, f.name, [...f.bytes]])).toEqual([[sha, 'mask.png', [...png]]]);
    expect(doc.ui.groups.map((g) => g.nodes)).toEqual([['m']]);
  });

  it('reads every preset and fixture shipped with an older schema version', () => {
    for (const dir of ['presets', 'e2e/fixtures']) {
      for (const file of readdirSync(new URL(`../../${dir}/`, import.meta.url))) {
        if (!file.endsWith('.json')) continue;
        const json = JSON.parse(readFileSync(new URL(`../../${dir}/${file}`, import.meta.url), 'utf8')) as { document?: unknown };
        const doc = migrateDocument(json.document ?? json, getNodeDefinition);
        expect(doc.schemaVersion, `${dir}/${file}`).toBe(SCHEMA_VERSION);
      }
    }
  });

  it('passes a current document through', () => {
    const v1 = migrateDocument(v0, getNodeDefinition);
    expect(migrateDocument(JSON.parse(JSON.stringify(v1)), getNodeDefinition)).toEqual(v1);
  });

  it('rejects future, missing and unknown versions and foreign formats with a clear message', () => {
    expect(() => migrateDocument({ ...v0, schemaVersion: SCHEMA_VERSION + 1 })).toThrow(/newer SPGD Studio/);
    expect(() => migrateDocument({ ...v0, schemaVersion: undefined })).toThrow(/schemaVersion must be a non-negative integer/);
    expect(() => migrateDocument({ ...v0, schemaVersion: 1.5 })).toThrow(GraphDocumentError);
    expect(() => migrateDocument({ ...v0, format: 'comfyui' })).toThrow(/format must be 'spgd-studio.graph'/);
    expect(() => migrateDocument([1, 2])).toThrow(/JSON object/);
    // a version-0 document whose edges are not 4-tuples
    expect(() => migrateDocument({ ...v0, edges: [['img', 'image', 'sim']] })).toThrow(/version 0 document at edges.0/);
  });

  it('migrates node params by typeVersion with the node type migrate table', () => {
    const def = {
      version: 3,
      params: z.object({ width: z.number() }),
      migrate: {
        1: (p: Record<string, unknown>) => ({ size: p.px }),
        2: (p: Record<string, unknown>) => ({ width: p.size }),
      },
    };
    const lookup: NodeMigrationLookup = (t) => (t === 'spgd:test/thing' ? def : undefined);
    const doc = {
      format: GRAPH_FORMAT,
      schemaVersion: 1,
      nodes: {
        a: { type: 'spgd:test/thing', typeVersion: 1, params: { px: 7 } },
        b: { type: 'spgd:test/thing', typeVersion: 3, params: { width: 1 } },
        c: { type: 'spgd:test/thing', typeVersion: 4, params: {} },
        d: { type: 'spgd:unknown/type', typeVersion: 9, params: {} },
      },
      edges: [],
    };
    const { document, issues } = migrateDocumentWithIssues(doc, lookup);
    expect(document.nodes.a).toMatchObject({ typeVersion: 3, params: { width: 7 } });
    expect(document.nodes.b.params).toEqual({ width: 1 });
    expect(issues).toEqual({ c: [expect.stringMatching(/version 4 was saved by a newer SPGD Studio/)] });
    expect(() => migrateDocument(doc, lookup)).toThrow(/node 'c'/);

    const gap: NodeMigrationLookup = () => ({ version: 2 });
    expect(migrateDocumentWithIssues({ ...doc, nodes: { a: doc.nodes.a } }, gap).issues.a[0]).toMatch(/no params migration from version 1 to 2/);
  });
});
