/**
 * The editor's pure logic: schema-driven fields, document round trip, wire checks, the store's
 * named actions (undo/redo, paste) and the run-event reducer. (Run with the app/ tests included
 * in vitest's `include`.)
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { graphHash } from '../../lib/graph/hash';
import { getNodeDefinition } from '../../nodes';
import { fallbackDocument, fromDocument, parseDocument, resultNodes, toDocument } from './graph';
import { IDLE_RUN, etaSeconds, reduceRunEvent, type RunEvent, type RunState } from './runTypes';
import { describeParams, fromSlider, toSlider, type NumberField } from './schemaForm';
import { connectionProblem } from '../../lib/graph/validate';
import { useEditor } from './store';

const wireProblem = (doc: Parameters<typeof connectionProblem>[0], c: Parameters<typeof connectionProblem>[1]) => connectionProblem(doc, c, getNodeDefinition);

describe('schema form', () => {
  it('maps each zod kind to a field kind with its bounds and default', () => {
    const fields = describeParams(
      z.object({
        steps: z.number().int().min(1).max(1000).default(100),
        eta: z.number().positive().max(100).default(1),
        seed: z.number().int().min(0).default(0),
        task: z.enum(['a', 'b']).default('a'),
        on: z.boolean().default(true),
        name: z.string().min(1).default('x'),
        show: z.array(z.enum(['p', 'q'])).default(['p']),
        options: z.record(z.string(), z.unknown()).default({}),
      }),
    );
    expect(fields.map((f) => f.kind)).toEqual(['number', 'number', 'number', 'enum', 'boolean', 'string', 'multi', 'json']);
    const [steps, eta, seed] = fields as NumberField[];
    expect(steps).toMatchObject({ min: 1, max: 1000, integer: true, scale: 'linear', defaultValue: 100 });
    expect(eta).toMatchObject({ min: 0, max: 100, integer: false, scale: 'log' });
    expect(seed).toMatchObject({ min: 0, max: null });
  });

  it('slider positions round-trip within the bounds', () => {
    const [eta] = describeParams(z.object({ eta: z.number().positive().max(100).default(1) })) as NumberField[];
    expect(fromSlider(eta, toSlider(eta, 1))).toBeCloseTo(1, 2);
    expect(fromSlider(eta, 1)).toBe(100);
    expect(fromSlider(eta, 0)).toBeGreaterThan(0);
  });
});

describe('graph document', () => {
  it('round-trips the default graph, and moving a node keeps the content hash', () => {
    const doc = fallbackDocument();
    const { nodes, edges, meta } = fromDocument(doc);
    const back = toDocument(nodes, edges, meta);
    expect(back.nodes).toEqual(doc.nodes);
    expect(back.edges).toEqual(doc.edges);
    const moved = toDocument(
      nodes.map((n) => (n.id === 'spgd' ? { ...n, position: { x: 999, y: 999 } } : n)),
      edges,
      meta,
    );
    expect(moved.ui.positions.spgd).toEqual({ x: 999, y: 999 });
    expect(graphHash(moved, getNodeDefinition)).toBe(graphHash(back, getNodeDefinition));
  });

  it('finds what the result panel shows: the last sampler, its measurement and ground truth, its uncertainty map', () => {
    const { nodes, edges } = fromDocument(fallbackDocument());
    expect(resultNodes(nodes, edges)).toEqual({
      sampler: 'spgd',
      measurement: { node: 'sim', port: 'measurement' },
      groundTruth: { node: 'img', port: 'image' },
      uncertainty: { node: 'spgd', port: 'uncertainty' },
    });
  });

  it('parses wrapped documents and says why other JSON is not one', () => {
    expect(parseDocument({ document: fallbackDocument() }).ok).toBe(true);
    const bad = parseDocument('{"hello": 1}');
    expect(bad).toMatchObject({ ok: false });
    expect(!bad.ok && bad.error).toMatch(/not an SPGD Studio graph/);
    expect(parseDocument('{').ok).toBe(false);
  });
});

describe('wire checks', () => {
  const doc = () => {
    const d = fallbackDocument();
    return { nodes: d.nodes, edges: d.edges.filter((e) => e.to.node !== 'sim') };
  };
  it('accepts a right wire even while the target has other inputs unwired', () => {
    expect(wireProblem(doc(), { from: { node: 'op', port: 'operator' }, to: { node: 'sim', port: 'operator' } })).toBeNull();
  });
  it('refuses a wrong type, an occupied input and a cycle with a reason', () => {
    expect(wireProblem(doc(), { from: { node: 'op', port: 'operator' }, to: { node: 'sim', port: 'image' } })).toMatch(/takes Image, not Operator/);
    expect(wireProblem(fallbackDocument(), { from: { node: 'img', port: 'image' }, to: { node: 'sim', port: 'image' } })).toMatch(/already connected/);
  });
});

describe('editor store', () => {
  it('adds, wires, pastes and undoes with named actions', () => {
    const s = useEditor.getState();
    s.loadDocument({ ...fallbackDocument(), nodes: {}, edges: [] }, { keepHistory: false });
    const a = useEditor.getState().addNode('spgd:degradation/degrade', { x: 0, y: 0 });
    const b = useEditor.getState().addNode('spgd:degradation/simulate', { x: 0, y: 0 });
    expect([a, b]).toEqual(['degrade', 'simulate']);
    // Cascaded off the first node's spot.
    expect(useEditor.getState().nodes[1].position).toEqual({ x: 32, y: 32 });
    expect(useEditor.getState().connect({ from: { node: a, port: 'operator' }, to: { node: b, port: 'image' } })).toMatch(/takes Image/);
    expect(useEditor.getState().connectionError).toMatch(/takes Image/);
    expect(useEditor.getState().connect({ from: { node: a, port: 'operator' }, to: { node: b, port: 'operator' } })).toBeNull();
    expect(useEditor.getState().edges).toHaveLength(1);

    useEditor.getState().selectAll();
    useEditor.getState().copySelection();
    useEditor.getState().paste();
    expect(useEditor.getState().nodes.map((n) => n.id)).toEqual(['degrade', 'simulate', 'degrade-2', 'simulate-2']);
    expect(useEditor.getState().edges.map((e) => e.id)).toContain('degrade-2.operator->simulate-2.operator');

    useEditor.getState().setParam('simulate', 'sigmaY', 0.1);
    useEditor.getState().setParam('simulate', 'sigmaY', 0.2); // coalesced into one undo step
    useEditor.getState().undo();
    expect(useEditor.getState().nodes.find((n) => n.id === 'simulate')!.data.params.sigmaY).toBe(0.05);
    useEditor.getState().undo();
    expect(useEditor.getState().nodes).toHaveLength(2);
    useEditor.getState().redo();
    expect(useEditor.getState().nodes).toHaveLength(4);
  });
});

describe('run events', () => {
  it('folds queue, progress, trace, probe and finish events', () => {
    const ev = (e: RunEvent) => e;
    let s: RunState = { ...IDLE_RUN, runId: 'r1', status: 'starting' };
    s = reduceRunEvent(s, ev({ type: 'queued', position: 2, runId: 'r1' }), 0);
    expect(s).toMatchObject({ status: 'queued', position: 2 });
    s = reduceRunEvent(s, ev({ type: 'started', nfe: { forward: 10, vjp: 0 }, estimate: { seconds: 1, memoryMB: 1 } }), 1000);
    s = reduceRunEvent(s, ev({ type: 'progress', node: 'spgd', step: 5, steps: 10, nfe: { forward: 5, vjp: 0 }, elapsedMs: 500 }), 1500);
    expect(s.status).toBe('running');
    expect(etaSeconds(s.progress)).toBeCloseTo(0.5);
    const trace = { step: 0, sigma: 1, t: 1, stepSize: null, residualNorm: 1, gradNorm: 1, admWeights: [], conflict: 90, fluctuationRaw: null, fluctuationAdm: null, priorStability: null, nfe: { forward: 1, vjp: 0 } };
    s = reduceRunEvent(s, ev({ type: 'trace', node: 'spgd', step: 0, trace }), 0);
    s = reduceRunEvent(s, ev({ type: 'trace', node: 'spgd', step: 0, trace }), 0); // a replay does not duplicate
    expect(s.traces.spgd).toHaveLength(1);
    s = reduceRunEvent(s, ev({ type: 'probe', node: 'spgd', port: 'D', step: 0, shape: [3, 8, 8], dtype: 'float32', stats: null, kind: 'image' }), 0);
    expect(Object.keys(s.probes)).toEqual(['spgd.D@0']);
    s = reduceRunEvent(s, ev({ type: 'trace', node: 'spgd', step: 0, trace, runId: 'other' }), 0);
    s = reduceRunEvent(s, ev({ type: 'finished', metrics: { residual: 1, psnr: 20 }, seconds: 2, nfe: { forward: 10, vjp: 0 }, result: '/api/artifacts/x.png' }), 0);
    expect(s).toMatchObject({ status: 'finished', resultUrl: '/api/artifacts/x.png', finished: { metrics: { psnr: 20 } } });
  });
});
