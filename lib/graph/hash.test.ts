import { describe, expect, it } from 'vitest';
import { getNodeDefinition } from '../../nodes';
import { testGraph } from '../../nodes/testing';
import { canonicalJson, graphHash, nodeKey, sha256Hex } from './hash';

describe('canonical JSON and sha256', () => {
  it('sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: undefined, x: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":2,"z":0}]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('hashes with sha256 (hex)', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('graphHash', () => {
  const lookup = getNodeDefinition;

  it('ignores ui, names, titles and edge order', () => {
    const a = testGraph();
    const b = structuredClone(a);
    b.ui = { positions: { img: { x: 500, y: -3 } }, viewport: { x: 1, y: 1, zoom: 2 }, groups: [] };
    b.name = 'renamed';
    b.nodes.img.title = 'my photo';
    b.edges.reverse();
    expect(graphHash(b, lookup)).toBe(graphHash(a, lookup));
  });

  it('applies the node types\u2019 defaults, so an explicit default value changes nothing', () => {
    const a = testGraph();
    const b = structuredClone(a);
    b.nodes.sim.params = { ...b.nodes.sim.params, seed: 0 };
    b.nodes.metrics.params = {};
    delete a.nodes.sim.params.seed;
    expect(graphHash(b, lookup)).toBe(graphHash(a, lookup));
  });

  it('changes with a param, a wire, a mode or an asset', () => {
    const a = testGraph();
    const h = graphHash(a, lookup);
    const p = structuredClone(a);
    p.nodes.sim.params.sigmaY = 0.1;
    const e = structuredClone(a);
    e.edges.pop();
    const m = structuredClone(a);
    m.nodes.metrics.mode = 'bypass';
    const s = structuredClone(a);
    s.assets = { ['a'.repeat(64)]: { kind: 'image', name: 'x.png' } };
    for (const d of [p, e, m, s]) expect(graphHash(d, lookup)).not.toBe(h);
  });

  it('hashes a graph the same with its assets embedded or not; another file is another graph', () => {
    const bytes = new TextEncoder().encode('a mask');
    const sha = sha256Hex(bytes);
    const other = sha256Hex('another mask');
    const withRef = (key: string, data?: string) => {
      const d = testGraph();
      d.nodes.img.params.source = `sha256:${key}`;
      d.assets = { [key]: { kind: 'image', name: 'mask.png', ...(data === undefined ? {} : { data }) } };
      return d;
    };
    const plain = graphHash(withRef(sha), lookup);
    expect(graphHash(withRef(sha, Buffer.from(bytes).toString('base64')), lookup)).toBe(plain);
    expect(graphHash(withRef(other), lookup)).not.toBe(plain);
  });
});

describe('nodeKey', () => {
  it('depends on type, params and the keys of the inputs, not on key order', () => {
    const k = nodeKey('spgd:sampler/spgd', { seed: 0, denoiseFrom: 'reuse' }, { prior: 'p:prior', schedule: 's:schedule' });
    expect(nodeKey('spgd:sampler/spgd', { denoiseFrom: 'reuse', seed: 0 }, { schedule: 's:schedule', prior: 'p:prior' })).toBe(k);
    expect(nodeKey('spgd:sampler/spgd', { seed: 1, denoiseFrom: 'reuse' }, { prior: 'p:prior', schedule: 's:schedule' })).not.toBe(k);
    expect(nodeKey('spgd:sampler/spgd', { seed: 0, denoiseFrom: 'reuse' }, { prior: 'q:prior', schedule: 's:schedule' })).not.toBe(k);
    expect(nodeKey('spgd:sampler/dps', { seed: 0, denoiseFrom: 'reuse' }, { prior: 'p:prior', schedule: 's:schedule' })).not.toBe(k);
    expect(nodeKey('spgd:sampler/spgd', { seed: 0, denoiseFrom: 'reuse' }, { prior: 'p:prior', schedule: 's:schedule', warmup: undefined })).toBe(k);
  });
});
