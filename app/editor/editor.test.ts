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
import { niceTicks, shownCurves, tickLabel } from './AngleCharts';

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

  it('refuses a graph with a node type this app does not have, naming it', () => {
    const doc = fallbackDocument();
    const r = parseDocument({ ...doc, nodes: { ...doc.nodes, x: { type: 'spgd:other/thing', typeVersion: 1, params: {}, mode: 'active' } } });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/unknown node type 'spgd:other\/thing' \(node 'x'\)/);
  });

  it("drops a preset's description from the document once the graph differs from the preset", () => {
    const doc = { ...fallbackDocument(), description: 'eta 0.5, tuned' };
    const { nodes, edges, meta } = fromDocument(doc);
    expect(toDocument(nodes, edges, meta).description).toBe('eta 0.5, tuned');
    const edited = nodes.map((n) => (n.id === 'warm' ? { ...n, data: { ...n.data, params: { ...n.data.params, eta: 2 } } } : n));
    expect(toDocument(edited, edges, meta).description).toBeUndefined();
    // moving a node changes no semantics: the description stays
    const moved = nodes.map((n) => (n.id === 'warm' ? { ...n, position: { x: 1, y: 1 } } : n));
    expect(toDocument(moved, edges, meta).description).toBe('eta 0.5, tuned');
    // a description the user wrote stays with any graph
    expect(toDocument(edited, edges, { ...meta, descriptionFor: undefined }).description).toBe('eta 0.5, tuned');
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
    // Placed clear of the first node (240 x 170 plus a gap), as near to the asked spot as that allows.
    const [pa, pb] = useEditor.getState().nodes.map((n) => n.position);
    expect(Math.abs(pb.x - pa.x) >= 264 || Math.abs(pb.y - pa.y) >= 194).toBe(true);
    expect(Math.hypot(pb.x, pb.y)).toBeLessThan(400);
    expect(useEditor.getState().connect({ from: { node: a, port: 'operator' }, to: { node: b, port: 'image' } })).toMatch(/takes Image/);
    expect(useEditor.getState().connectionError).toMatch(/takes Image/);
    expect(useEditor.getState().connect({ from: { node: a, port: 'operator' }, to: { node: b, port: 'operator' } })).toBeNull();
    expect(useEditor.getState().edges).toHaveLength(1);

    useEditor.getState().selectAll();
    useEditor.getState().copySelection();
    useEditor.getState().paste();
    expect(useEditor.getState().nodes.map((n) => n.id)).toEqual(['degrade', 'simulate', 'degrade-2', 'simulate-2']);
    expect(useEditor.getState().edges.map((e) => e.id)).toContain('degrade-2.operator->simulate-2.operator');
    // The pasted block overlaps none of the originals.
    const all = useEditor.getState().nodes.map((n) => n.position);
    for (const p of all.slice(2)) for (const q of all.slice(0, 2)) expect(Math.abs(p.x - q.x) >= 264 || Math.abs(p.y - q.y) >= 194).toBe(true);

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

describe('wires and groups', () => {
  it('replaces the wire of an occupied input, in one undo step, and refuses a replacement that does not fit', () => {
    useEditor.getState().loadDocument(fallbackDocument(), { keepHistory: false });
    const s = () => useEditor.getState();
    const into = (node: string, port: string) => s().edges.filter((e) => e.target === node && e.targetHandle === port);
    const dup = s().addNode('spgd:input/load-image', { x: 0, y: 600 });
    expect(s().connect({ from: { node: dup, port: 'image' }, to: { node: 'sim', port: 'image' } })).toBeNull();
    expect(into('sim', 'image').map((e) => e.source)).toEqual([dup]);
    s().undo();
    expect(into('sim', 'image').map((e) => e.source)).toEqual(['img']);
    expect(s().connect({ from: { node: 'op', port: 'operator' }, to: { node: 'sim', port: 'image' } })).toMatch(/takes Image/);
    expect(into('sim', 'image').map((e) => e.source)).toEqual(['img']);
  });

  it('adds a node wired to the port a wire was dropped from', () => {
    useEditor.getState().loadDocument(fallbackDocument(), { keepHistory: false });
    const s = () => useEditor.getState();
    const id = s().addNodeWired('spgd:output/save-image', { x: 900, y: 0 }, { node: 'spgd', port: 'image', side: 'source' });
    expect(id).toBe('save-image');
    expect(s().edges.map((e) => e.id)).toContain('spgd.image->save-image.image');
    // from an input: the new node's output feeds it (the old wire is replaced)
    const img = s().addNodeWired('spgd:input/load-image', { x: -400, y: 0 }, { node: 'sim', port: 'image', side: 'target' });
    expect(s().edges.filter((e) => e.target === 'sim' && e.targetHandle === 'image').map((e) => e.source)).toEqual([img]);
    // a node without a matching port is not added
    expect(s().addNodeWired('spgd:sampler/schedule', { x: 0, y: 0 }, { node: 'spgd', port: 'image', side: 'source' })).toBeNull();
  });

  it('groups the selection in a frame that moves its members, and nodes dragged out leave it', () => {
    useEditor.getState().loadDocument(fallbackDocument(), { keepHistory: false });
    const s = () => useEditor.getState();
    const pos = (id: string) => s().nodes.find((n) => n.id === id)?.position;
    s().selectOnly('img');
    useEditor.setState((st) => ({ nodes: st.nodes.map((n) => (n.id === 'op' ? { ...n, selected: true } : n)) }));
    const g = s().groupSelection('inputs');
    expect(g).not.toBeNull();
    const group = s().meta.groups.find((x) => x.id === g);
    expect(group?.nodes.sort()).toEqual(['img', 'op']);
    const before = pos('img');
    s().moveGroup(group?.id ?? '', { x: (group?.bounds.x ?? 0) + 100, y: (group?.bounds.y ?? 0) + 50 });
    expect(pos('img')).toEqual({ x: (before?.x ?? 0) + 100, y: (before?.y ?? 0) + 50 });
    // a member dragged far away leaves; the document keeps the group
    useEditor.setState((st) => ({ nodes: st.nodes.map((n) => (n.id === 'op' ? { ...n, position: { x: 5000, y: 5000 } } : n)) }));
    s().regroup(['op']);
    expect(s().meta.groups[0].nodes).toEqual(['img']);
    expect(s().document().ui.groups[0]).toMatchObject({ title: 'inputs', nodes: ['img'] });
    s().renameGroup(group?.id ?? '', 'sources');
    expect(s().document().ui.groups[0].title).toBe('sources');
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
    // Before a few steps have run: the estimate less the time gone (0.5 s of 1 s).
    expect(etaSeconds(s, 1500)).toBeCloseTo(0.5);
    // After them: the measured pace since the first progress (steps 5 -> 9 in 400 ms: 100 ms a step).
    s = reduceRunEvent(s, ev({ type: 'progress', node: 'spgd', step: 9, steps: 10, nfe: { forward: 9, vjp: 0 }, elapsedMs: 900 }), 1900);
    expect(etaSeconds(s, 1900)).toBeCloseTo(0.1);
    const trace = { step: 0, sigma: 1, t: 1, stepSize: null, residualNorm: 1, gradNorm: 1, admWeights: [], conflict: 90, fluctuationRaw: null, fluctuationAdm: null, priorStability: null, nfe: { forward: 1, vjp: 0 } };
    s = reduceRunEvent(s, ev({ type: 'trace', node: 'spgd', step: 0, trace }), 0);
    s = reduceRunEvent(s, ev({ type: 'trace', node: 'spgd', step: 0, trace }), 0); // a replay does not duplicate
    expect(s.traces.spgd).toHaveLength(1);
    s = reduceRunEvent(s, ev({ type: 'probe', node: 'spgd', port: 'D', step: 0, shape: [3, 8, 8], dtype: 'float32', stats: null, kind: 'image' }), 0);
    expect(Object.keys(s.probes)).toEqual(['spgd.D@0']);
    s = reduceRunEvent(s, ev({ type: 'trace', node: 'spgd', step: 0, trace, runId: 'other' }), 0);
    s = reduceRunEvent(s, ev({ type: 'finished', metrics: { residual: 1, psnr: 20 }, seconds: 2, nfe: { forward: 10, vjp: 0 }, result: '/api/artifacts/x.png', timings: { nodes: { spgd: 2 }, cached: [] } }), 0);
    expect(s).toMatchObject({ status: 'finished', resultUrl: '/api/artifacts/x.png', finished: { metrics: { psnr: 20 } }, fromCache: false });
    const cachedRun = reduceRunEvent({ ...IDLE_RUN, runId: 'r2', status: 'running', primary: 'spgd' }, ev({ type: 'finished', metrics: { residual: 1 }, seconds: 0.1, nfe: { forward: 0, vjp: 0 }, timings: { nodes: {}, cached: ['spgd'] } }), 0);
    expect(cachedRun.fromCache).toBe(true);
  });
});

describe('angle charts', () => {
  it('puts round ticks on the step axis and at most 3 digits on value ticks', () => {
    expect(niceTicks(99)).toEqual([0, 20, 40, 60, 80]);
    expect(niceTicks(100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(9)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(1, 4)).toEqual([0, 0.5, 1]);
    expect(tickLabel(0.2996162899441966)).toBe('0.3');
    expect(tickLabel(1234.5678)).toBe('1230');
  });

  it("draws the curves a wired Gradient angles node asks for, or all of them", () => {
    const { nodes, edges } = fromDocument(fallbackDocument());
    const angles = nodes.find((n) => n.type === 'spgd:analysis/angles');
    const sampler = edges.find((e) => e.target === angles?.id)?.source ?? '';
    const only = nodes.map((n) => (n === angles ? { ...n, data: { ...n.data, params: { show: ['conflict', 'residualNorm'] } } } : n));
    expect([...shownCurves(sampler, only, edges)].sort()).toEqual(['conflict', 'residualNorm']);
    expect(shownCurves(sampler, nodes.filter((n) => n !== angles), edges).size).toBe(7);
    // a bypassed node asks for nothing
    const bypassed = only.map((n) => (n.id === angles?.id ? { ...n, data: { ...n.data, mode: 'bypass' as const } } : n));
    expect(shownCurves(sampler, bypassed, edges).size).toBe(7);
  });
});
