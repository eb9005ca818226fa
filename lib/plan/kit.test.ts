/**
 * The planner and the executor know node types only through the NodeKit they are given: two
 * made-up node types here (a source whose size comes from `describe`, and a scaler) are enough
 * to compile and run a graph, with no node of the product involved. The product's nodes are
 * tested in nodes/ (conformance, compile, execute).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GRAPH_FORMAT, SCHEMA_VERSION, type GraphDocument } from '../graph/document';
import type { NodeTypeInfo } from '../graph/validate';
import { tensor } from '../tensor';
import { compileGraph } from './compile';
import { executePlan } from './execute';
import type { NodeKit, NodeRun } from './node-run';

const source: NodeTypeInfo & { version: number } = {
  type: 'test:input/source',
  version: 1,
  title: 'Source',
  inputs: [],
  outputs: [{ name: 'image', type: 'Image' }],
  params: z.object({ name: z.string().default('a') }),
  infer: (_p, _i, described) => ({ outputs: { image: { channels: 1, ...described?.image } } }),
};
const scale: NodeTypeInfo & { version: number } = {
  type: 'test:image/scale',
  version: 1,
  title: 'Scale',
  inputs: [{ name: 'image', type: 'Image' }],
  outputs: [{ name: 'image', type: 'Image' }],
  params: z.object({ by: z.number().max(10).default(2) }),
  infer: (_p, inputs) => ({ outputs: { image: { ...inputs.image } } }),
};

function kit(calls: string[]): NodeKit {
  const runs: Record<string, NodeRun> = {
    [source.type]: {
      describe: (p) => (p.name === 'missing' ? { errors: ['no such source'] } : { outputs: { image: { height: 1, width: 2 } } }),
      run: ({ params }) => {
        calls.push(`source ${params.name as string}`);
        return { image: { kind: 'Image', tensor: tensor([1, 1, 2], [1, 2]) } };
      },
    },
    [scale.type]: {
      run: ({ params, input }) => {
        calls.push('scale');
        const t = input('image', 'Image').tensor;
        return { image: { kind: 'Image', tensor: tensor(t.shape, Float32Array.from(t.data, (v) => v * (params.by as number))) } };
      },
    },
  };
  const defs = new Map([source, scale].map((d) => [d.type, d]));
  return { definition: (t) => defs.get(t), run: (t) => runs[t] };
}

function doc(params: Record<string, unknown> = {}, by: unknown = 3): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    schemaVersion: SCHEMA_VERSION,
    nodes: {
      b: { type: scale.type, typeVersion: 1, params: { by }, mode: 'active' },
      a: { type: source.type, typeVersion: 1, params, mode: 'active' },
    },
    edges: [{ from: { node: 'a', port: 'image' }, to: { node: 'b', port: 'image' } }],
    ui: { positions: {}, groups: [] },
    assets: {},
  };
}

describe('lib/plan with an injected NodeKit', () => {
  it('compiles in dependency order with described facts, and runs each node by its own run code, cached by content', async () => {
    const calls: string[] = [];
    const k = kit(calls);
    const r = await compileGraph(doc(), k);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.plan.steps.map((s) => s.node)).toEqual(['a', 'b']);
    const cache = new Map();
    const out = await executePlan(r.plan, k, { loadImage: () => Promise.reject(new Error('unused')), loadPrior: () => Promise.reject(new Error('unused')) }, { cache });
    expect(Array.from((out.outputs.get('b')!.image as { tensor: { data: Float32Array } }).tensor.data)).toEqual([3, 6]);
    // A changed downstream param recomputes only the scaler.
    const r2 = await compileGraph(doc({}, 4), k);
    if (!r2.ok) throw new Error('no plan');
    await executePlan(r2.plan, k, { loadImage: () => Promise.reject(new Error('unused')), loadPrior: () => Promise.reject(new Error('unused')) }, { cache });
    expect(calls).toEqual(['source a', 'scale', 'scale']);
  });

  it('reports describe errors, strict params, and node types without run code at compile time', async () => {
    const k = kit([]);
    const bad = await compileGraph(doc({ name: 'missing', extra: 1 }, 30), k);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.issues.nodes.a).toEqual(expect.arrayContaining([expect.stringMatching(/Unrecognized key/)]));
    expect(bad.issues.nodes.b).toEqual([expect.stringMatching(/^by: /)]);
    const noRun: NodeKit = { definition: k.definition, run: (t) => (t === scale.type ? undefined : k.run(t)) };
    const r = await compileGraph(doc(), noRun);
    expect(!r.ok && r.issues.nodes.b).toEqual([`'${scale.type}' cannot run here (no run code registered for it)`]);
  });
});
