import { describe, expect, it } from 'vitest';
import { getNodeDefinition } from '../../nodes';
import type { GraphDocument } from './document';
import { connectionProblem, topologicalOrder, validateGraph } from './validate';

const lookup = getNodeDefinition;

function spgdGraph(): Pick<GraphDocument, 'nodes' | 'edges'> {
  const n = (type: string, params = {}) => ({ type, typeVersion: 1, params, mode: 'active' as const });
  return {
    nodes: {
      img: n('spgd:input/load-image', { size: 64 }),
      op: n('spgd:degradation/degrade', { task: 'sr-x4' }),
      sim: n('spgd:degradation/simulate'),
      prior: n('spgd:prior/prior-unet'),
      sched: n('spgd:sampler/schedule'),
      warm: n('spgd:sampler/warmup'),
      adm: n('spgd:sampler/adm'),
      spgd: n('spgd:sampler/spgd'),
    },
    edges: [
      { from: { node: 'img', port: 'image' }, to: { node: 'sim', port: 'image' } },
      { from: { node: 'op', port: 'operator' }, to: { node: 'sim', port: 'operator' } },
      { from: { node: 'prior', port: 'prior' }, to: { node: 'spgd', port: 'prior' } },
      { from: { node: 'sched', port: 'schedule' }, to: { node: 'spgd', port: 'schedule' } },
      { from: { node: 'sim', port: 'measurement' }, to: { node: 'spgd', port: 'measurement' } },
      { from: { node: 'op', port: 'operator' }, to: { node: 'spgd', port: 'operator' } },
      { from: { node: 'warm', port: 'warmup' }, to: { node: 'spgd', port: 'warmup' } },
      { from: { node: 'adm', port: 'momentum' }, to: { node: 'spgd', port: 'momentum' } },
    ],
  };
}

describe('graph validation', () => {
  it('accepts a complete SPGD graph', () => {
    const issues = validateGraph(spgdGraph(), lookup);
    expect(issues).toEqual({ nodes: {}, graph: [] });
  });

  it('reports a missing wire at the node that needs it', () => {
    const g = spgdGraph();
    g.edges = g.edges.filter((e) => !(e.to.node === 'spgd' && e.to.port === 'schedule'));
    expect(validateGraph(g, lookup).nodes).toEqual({ spgd: ["input 'Schedule' is not connected"] });
  });

  it('refuses a wire of the wrong type, with the reason', () => {
    const g = spgdGraph();
    expect(connectionProblem(g, { from: { node: 'img', port: 'image' }, to: { node: 'spgd', port: 'warmup' } }, lookup)).toMatch(
      /takes Warmup, not Image/,
    );
  });

  it('refuses a wire into a taken input and a wire that closes a cycle', () => {
    const g = spgdGraph();
    expect(connectionProblem(g, { from: { node: 'op', port: 'operator' }, to: { node: 'sim', port: 'image' } }, lookup)).toMatch(
      /takes Image, not Operator/,
    );
    expect(connectionProblem(g, { from: { node: 'img', port: 'image' }, to: { node: 'sim', port: 'image' } }, lookup)).toMatch(/already connected/);
    g.edges = g.edges.filter((e) => e.to.node !== 'sim' || e.to.port !== 'image');
    expect(connectionProblem(g, { from: { node: 'img', port: 'image' }, to: { node: 'sim', port: 'image' } }, lookup)).toBeNull();
    expect(connectionProblem(g, { from: { node: 'spgd', port: 'image' }, to: { node: 'sim', port: 'image' } }, lookup)).toMatch(/cycle/);
  });

  it('refuses an image the operator cannot take (sr-x4 needs sizes divisible by 4)', () => {
    const g = spgdGraph();
    g.nodes.img.params = { size: 66 };
    g.edges = g.edges.filter((e) => !(e.to.node === 'sim' && e.to.port === 'image'));
    const problem = connectionProblem(g, { from: { node: 'img', port: 'image' }, to: { node: 'sim', port: 'image' } }, lookup);
    expect(problem).toMatch(/divisible by 4/);
  });

  it('finds cycles and out-of-range params', () => {
    const g = spgdGraph();
    g.nodes.warm.params = { steps: -3 };
    expect(validateGraph(g, lookup).nodes.warm[0]).toMatch(/steps/);
    const cyc = spgdGraph();
    cyc.edges = cyc.edges.filter((e) => e.to.node !== 'sim' || e.to.port !== 'image');
    cyc.edges.push({ from: { node: 'spgd', port: 'image' }, to: { node: 'sim', port: 'image' } });
    expect(topologicalOrder(cyc)).toEqual({ cycle: ['sim', 'spgd'] });
    const issues = validateGraph(cyc, lookup);
    expect(issues.graph).toEqual(['the graph has a cycle']);
    expect(issues.nodes.sim[0]).toMatch(/cycle/);
  });
});

describe('operator options reach the size check', () => {
  it('accepts a small image for a small blur kernel and refuses it for the default one', () => {
    const n = (type: string, params = {}) => ({ type, typeVersion: 1, params, mode: 'active' as const });
    const doc = (kernelSize?: number) => ({
      nodes: {
        img: n('spgd:input/load-image', { size: 16 }),
        op: n('spgd:degradation/degrade', { task: 'gaussian-blur', options: kernelSize ? { kernelSize, std: 1 } : {} }),
        sim: n('spgd:degradation/simulate'),
      },
      edges: [{ from: { node: 'op', port: 'operator' }, to: { node: 'sim', port: 'operator' } }],
    });
    const wire = { from: { node: 'img', port: 'image' }, to: { node: 'sim', port: 'image' } };
    expect(connectionProblem(doc(13), wire, lookup)).toBeNull();
    expect(connectionProblem(doc(), wire, lookup)).toMatch(/31/);
  });
});

describe('a wire is judged on what it changes', () => {
  it('accepts a correct wire into a node whose other inputs are still unwired', () => {
    const n = (type: string, params = {}) => ({ type, typeVersion: 1, params, mode: 'active' as const });
    const doc = { nodes: { img: n('spgd:input/load-image'), sim: n('spgd:degradation/simulate'), op: n('spgd:degradation/degrade') }, edges: [] };
    expect(connectionProblem(doc, { from: { node: 'op', port: 'operator' }, to: { node: 'sim', port: 'operator' } }, lookup)).toBeNull();
  });
});
