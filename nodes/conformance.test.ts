/**
 * Every registered node type gets every check (the node-side twin of the operator conformance
 * suite): its definition is well formed, its params schema round-trips its defaults, its run code
 * is registered, and on a tiny graph its run produces exactly the outputs it declares. Every
 * sampler's named configurations survive the trip through a graph (recipe -> compile) unchanged.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GaussianEpsModel } from '../lib/diffusion/gaussian-prior';
import type { GraphDocument } from '../lib/graph/document';
import { PORT_TYPES } from '../lib/graph/ports';
import { decodeImage, imageToTensor } from '../lib/image';
import { OPERATORS } from '../lib/operators';
import { TASKS } from '../lib/operators/types';
import { compileGraph } from '../lib/plan/compile';
import { executePlan } from '../lib/plan/execute';
import { MemorySources } from '../lib/plan/memory-sources';
import { METHODS, methodConfig } from '../lib/samplers';
import { tensor } from '../lib/tensor';
import type { ZodType } from 'zod';
import { NODE_CATEGORIES, paramDescription } from './define';
import { NODE_TYPES } from './index';
import { restorationGraph } from './recipes';
import { NODE_KIT, NODE_RUNS } from './runs';
import { testGraph } from './testing';

const astronaut = imageToTensor(decodeImage(readFileSync(new URL('../public/samples/astronaut.png', import.meta.url))));

describe.each(NODE_TYPES.map((d) => ({ def: d, label: d.type })))('$label', ({ def }) => {
  it('is well formed: namespaced type in its category, known port types, unique port names', () => {
    expect(def.type).toMatch(new RegExp(`^spgd:${def.category}/[a-z0-9-]+$`));
    expect(NODE_CATEGORIES).toContain(def.category);
    for (const p of [...def.inputs, ...def.outputs]) expect(PORT_TYPES).toContain(p.type);
    expect(new Set(def.inputs.map((p) => p.name)).size).toBe(def.inputs.length);
    expect(new Set(def.outputs.map((p) => p.name)).size).toBe(def.outputs.length);
    expect(def.title.length).toBeGreaterThan(0);
    expect(def.description.length).toBeGreaterThan(20);
  });

  it('round-trips its defaults: a new node is valid as dropped, and strictly so', () => {
    const defaults = def.params.parse({});
    expect(def.params.strict().parse(defaults)).toEqual(defaults);
    expect(def.params.parse(JSON.parse(JSON.stringify(defaults)))).toEqual(defaults);
    expect(def.params.strict().safeParse({ ...defaults, notAParam: 1 }).success).toBe(false);
  });

  it('explains every param (its help text in the params panel)', () => {
    const shape: Record<string, ZodType> = def.params.shape;
    for (const [name, schema] of Object.entries(shape)) {
      expect(paramDescription(schema), `${def.type} param '${name}'`).toMatch(/\w{3,}/);
    }
  });

  it('has run code registered under its type', () => {
    expect(NODE_KIT.run(def.type)).toBeDefined();
  });
});

describe('registries', () => {
  it('hold the same node types, each once', () => {
    const types = NODE_TYPES.map((d) => d.type);
    expect(new Set(types).size).toBe(types.length);
    expect(NODE_RUNS.map((r) => r.type).sort()).toEqual([...types].sort());
  });
});

/** Tiny graphs that, together, hold every node type. */
function tinyGraphs(sources: MemorySources): GraphDocument[] {
  const spgd = testGraph({ size: 16, steps: 2, warmup: 1 });
  const n = (type: string, params: Record<string, unknown> = {}) => ({ type, typeVersion: 1, params, mode: 'active' as const });
  const type = (suffix: string) => NODE_TYPES.find((d) => d.type.endsWith(suffix))!.type;
  // Resize between the image and the simulation; angles and save on the sampler.
  spgd.nodes.resize = n(type('/resize'), { width: 16, height: 16 });
  spgd.edges = spgd.edges.map((e) => (e.to.node === 'sim' && e.to.port === 'image' ? { from: { node: 'img', port: 'image' }, to: { node: 'resize', port: 'image' } } : e));
  spgd.edges.push({ from: { node: 'resize', port: 'image' }, to: { node: 'sim', port: 'image' } });
  spgd.nodes.angles = n(type('/angles'));
  spgd.nodes.save = n(type('/save-image'));
  spgd.edges.push({ from: { node: 's', port: 'trace' }, to: { node: 'angles', port: 'trace' } }, { from: { node: 's', port: 'image' }, to: { node: 'save', port: 'image' } });

  // A photo with the user's mask, restored classically; and one with the user's kernel.
  const y = sources.add(tensor([3, 16, 16], new Float32Array(768).fill(0.1)));
  const mask = sources.add(tensor([16, 16], Float32Array.from({ length: 256 }, (_, i) => i % 3)));
  const kernel = sources.add(tensor([5, 5], new Float32Array(25).fill(1)));
  const photo = restorationGraph({ task: 'inpaint-random', method: 'classical', seed: 0, sigmaY: 0.05, model: 'gaussian', measurement: { source: y, mask } });
  const blurred = restorationGraph({
    task: 'motion-blur',
    method: 'diffpir',
    seed: 0,
    sigmaY: 0.05,
    model: 'gaussian',
    samplerParams: { steps: 2 },
    operatorParams: { kernelSize: 5 },
    measurement: { source: y, kernel },
  });
  // A scan with black holes, and a photo blurred by a parametric kernel, with metrics against the operator.
  const holes = sources.add(tensor([3, 16, 16], Float32Array.from({ length: 768 }, (_, i) => ((i % 256) % 7 === 0 ? -1 : 0.2))));
  const scan = restorationGraph({ task: 'inpaint', method: 'classical', seed: 0, sigmaY: 0.05, model: 'gaussian', measurement: { source: holes, mask: holes } });
  delete scan.nodes.mask;
  scan.nodes.black = n(type('/black-mask'));
  scan.edges = scan.edges.map((e) => (e.from.node === 'mask' ? { from: { node: 'black', port: 'mask' }, to: e.to } : e));
  scan.edges.push({ from: { node: 'y', port: 'measurement' }, to: { node: 'black', port: 'measurement' } });
  const soft = restorationGraph({ task: 'blur', method: 'classical', seed: 0, sigmaY: 0.05, model: 'gaussian', measurement: { source: y, kernel } });
  delete soft.nodes.kernel;
  soft.nodes.psf = n(type('/blur-kernel'), { shape: 'motion', length: 5, angle: 30 });
  soft.nodes.metrics = n(type('/metrics'));
  soft.edges = soft.edges.map((e) => (e.from.node === 'kernel' ? { from: { node: 'psf', port: 'kernel' }, to: e.to } : e));
  soft.edges.push(
    { from: { node: 'sampler', port: 'image' }, to: { node: 'metrics', port: 'image' } },
    { from: { node: 'y', port: 'measurement' }, to: { node: 'metrics', port: 'measurement' } },
    { from: { node: 'operator', port: 'operator' }, to: { node: 'metrics', port: 'operator' } },
  );
  return [
    spgd,
    testGraph({ sampler: 'dps', size: 16, steps: 2 }),
    testGraph({ sampler: 'diffpir', size: 16, steps: 2 }),
    testGraph({ sampler: 'ddnm', size: 16, steps: 2, samplerParams: { samples: 2 } }),
    testGraph({ sampler: 'daps', size: 16, steps: 2, samplerParams: { sigmaStart: 5 }, classicalInit: true }),
    photo,
    blurred,
    scan,
    soft,
  ];
}

describe('node runs on tiny graphs', () => {
  it('cover every node type, and each produces exactly the outputs its definition declares', async () => {
    const sources = new MemorySources();
    const seen = new Set<string>();
    const saved: string[] = [];
    for (const doc of tinyGraphs(sources)) {
      const describeImage = (s: string) => (s === 'sample:default' ? { height: 64, width: 64 } : sources.describe(s));
      const r = await compileGraph(doc, NODE_KIT, { describeImage });
      if (!r.ok) throw new Error(JSON.stringify(r.issues));
      const out = await executePlan(r.plan, NODE_KIT, {
        ...sources.adapters(),
        loadImage: (s) => Promise.resolve(s === 'sample:default' ? astronaut : sources.get(s)),
        loadPrior: () => Promise.resolve(new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' })),
        saveImage: ({ node }) => {
          saved.push(node);
          return Promise.resolve();
        },
      });
      for (const step of r.plan.steps) {
        seen.add(step.type);
        const def = NODE_KIT.definition(step.type)!;
        const outputs = out.outputs.get(step.node)!;
        expect(Object.keys(outputs).sort(), step.type).toEqual(def.outputs.map((p) => p.name).sort());
        for (const p of def.outputs) expect(outputs[p.name].kind, `${step.type}.${p.name}`).toBe(p.type);
      }
    }
    expect([...seen].sort()).toEqual(NODE_TYPES.map((d) => d.type).sort());
    expect(saved).toEqual(['save']);
  });
});

describe('sampler configurations through a graph', () => {
  const cases = METHODS.flatMap((method) => TASKS.map((task) => ({ method, task })));
  it.each(cases)('$method on $task: recipe -> compile gives the method configuration back', async ({ method, task }) => {
    const sources = new MemorySources();
    const image = sources.add(tensor([3, 64, 64], new Float32Array(3 * 64 * 64)));
    // Operators that exist only with the user's data restore a measurement with its mask or kernel.
    const requires = OPERATORS[task].requires;
    const data = requires === 'mask' ? tensor([64, 64], Float32Array.from({ length: 4096 }, (_, i) => i % 2)) : tensor([3, 3], new Float32Array(9).fill(1));
    const doc = restorationGraph({
      task,
      method,
      seed: 3,
      sigmaY: 0.07,
      model: 'gaussian',
      ...(requires ? { measurement: { source: image, [requires]: sources.add(data) } } : { groundTruth: { source: image } }),
    });
    const r = await compileGraph(doc, NODE_KIT, { describeImage: sources.describe });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const step = r.plan.steps.find((s) => s.node === 'sampler')!;
    const want = methodConfig(method, task, { sigmaY: 0.07 });
    expect(step.sampler).toMatchObject({ method: want.sampler.id, params: want.params });
    // The sampler's own draws come from the recipe's seed (where it has any).
    if ('seed' in step.params) expect(step.sampler!.seed).toBe(3);
  });
});
