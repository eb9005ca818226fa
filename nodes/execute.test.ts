import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GaussianEpsModel } from '../lib/diffusion/gaussian-prior';
import { CancelledError } from '../lib/errors';
import { decodeImage, imageToTensor } from '../lib/image';
import type { Tensor } from '../lib/tensor';
import { compileGraph } from '../lib/plan/compile';
import { executePlan, NodeExecutionError, type ExecuteAdapters, type NodeOutputs, type StoredTensor } from '../lib/plan/execute';
import { NODE_KIT } from './runs';
import { testGraph, type TestGraphOptions } from './testing';
import type { Plan, RunEventPayload } from '../lib/plan/types';

const astronaut = imageToTensor(decodeImage(readFileSync(new URL('../public/samples/astronaut.png', import.meta.url))));

class NanEps extends GaussianEpsModel {
  override eps(z: Tensor) {
    return Promise.resolve({ eps: { shape: z.shape, data: new Float32Array(z.data.length).fill(NaN) } });
  }
}

function countingAdapters() {
  const calls = { loadImage: 0, loadPrior: 0, saveImage: 0 };
  const adapters: ExecuteAdapters = {
    loadImage: (source) => {
      calls.loadImage++;
      if (source !== 'sample:default') return Promise.reject(new Error(`no image ${source}`));
      return Promise.resolve(astronaut);
    },
    loadPrior: (model) => {
      calls.loadPrior++;
      if (model !== 'gaussian') return Promise.reject(new Error(`no model ${model}`));
      return Promise.resolve(new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' }));
    },
    saveImage: () => {
      calls.saveImage++;
      return Promise.resolve();
    },
  };
  return { calls, adapters };
}

async function compile(o: TestGraphOptions | ReturnType<typeof testGraph>): Promise<Plan> {
  const doc = 'format' in o ? o : testGraph(o);
  const r = await compileGraph(doc, NODE_KIT);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.plan;
}

describe('executePlan', () => {
  it('runs an SPGD graph and emits started, progress, previews, probes, traces and finished with metrics', async () => {
    const { adapters } = countingAdapters();
    const events: RunEventPayload[] = [];
    const stored: StoredTensor[] = [];
    const plan = await compile({ steps: 5, warmup: 2, size: 16 });
    const r = await executePlan(plan, NODE_KIT, adapters, { onEvent: (e) => events.push(e), store: { put: (t) => void stored.push(t) }, progressIntervalMs: 0 });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('started');
    expect(types.at(-1)).toBe('finished');
    expect(types.filter((t) => t === 'trace')).toHaveLength(5);
    expect(types.filter((t) => t === 'progress')).toHaveLength(5);
    expect(types.filter((t) => t === 'preview').length).toBeGreaterThanOrEqual(5); // every step at T = 5

    const fin = events.at(-1) as Extract<RunEventPayload, { type: 'finished' }>;
    expect(fin.nfe).toEqual({ forward: 10, vjp: 10 });
    expect(fin.metrics.psnr).toBeGreaterThan(5);
    expect(fin.metrics.ssim).toBeGreaterThan(0);
    expect(fin.metrics.residual).toBeGreaterThan(0);
    expect(r.metrics).toEqual(fin.metrics);

    const trace = events.find((e) => e.type === 'trace') as Extract<RunEventPayload, { type: 'trace' }>;
    expect(trace.trace.fluctuationRaw).toBeNull(); // NaN at the first step travels as null
    expect(trace.trace.admWeights).toHaveLength(1);
    const preview = events.find((e) => e.type === 'preview') as Extract<RunEventPayload, { type: 'preview' }>;
    expect(preview.png).toMatch(/^data:image\/png;base64,iVBORw0KGgo/);

    // a probe for every output port, and the timeline snapshots
    const probes = events.filter((e) => e.type === 'probe');
    const ports = new Set(probes.filter((p) => p.step === undefined).map((p) => `${p.node}.${p.port}`));
    for (const p of ['img.image', 'op.operator', 'sim.measurement', 'prior.prior', 'sched.schedule', 'warm.warmup', 'adm.momentum', 's.image', 's.trace', 'metrics.metrics']) {
      expect(ports).toContain(p);
    }
    expect(probes.find((p) => p.node === 's' && p.port === 'image')).toMatchObject({ shape: [3, 16, 16], kind: 'image', dtype: 'float32' });
    expect(probes.find((p) => p.node === 'op' && p.shape.length)).toMatchObject({ shape: [16, 16], kind: 'map' }); // the mask
    const snap = stored.filter((t) => t.node === 's' && t.step === 2).map((t) => t.port);
    expect(snap.sort()).toEqual(['D', 'g', 'momentum', 'residual', 'x']);
    expect(stored.find((t) => t.port === 'g')!.kind).toBe('signed');
  });

  it('throttles progress to one event per 200 ms (and always the last step)', async () => {
    const { adapters } = countingAdapters();
    const events: RunEventPayload[] = [];
    let clock = 0;
    const now = () => (clock += 50); // every call advances 50 ms
    await executePlan(await compile({ steps: 40, warmup: 1 }), NODE_KIT, adapters, { onEvent: (e) => events.push(e), now });
    const steps = events.filter((e) => e.type === 'progress').map((e) => e.step);
    expect(steps.length).toBeLessThan(20);
    expect(steps.length).toBeGreaterThan(5);
    expect(steps.at(-1)).toBe(40);
  });

  it('re-running with one changed downstream parameter recomputes only downstream nodes', async () => {
    const { calls, adapters } = countingAdapters();
    const cache = new Map<string, NodeOutputs>();
    const first = await executePlan(await compile({ steps: 3, samplerSeed: 0 }), NODE_KIT, adapters, { cache });
    expect(first.ran.sort()).toEqual(['adm', 'img', 'metrics', 'op', 'prior', 's', 'sched', 'sim', 'warm']);
    expect(calls).toMatchObject({ loadImage: 1, loadPrior: 1 });

    // The prior is never taken from the output cache: the caller's loadPrior keeps models (and
    // bounds their memory), so the node asks it again on every run.
    const reseeded = await executePlan(await compile({ steps: 3, samplerSeed: 1 }), NODE_KIT, adapters, { cache });
    expect(reseeded.ran.sort()).toEqual(['metrics', 'prior', 's']);
    expect(reseeded.cached.sort()).toEqual(['adm', 'img', 'op', 'sched', 'sim', 'warm']);
    expect(calls).toMatchObject({ loadImage: 1, loadPrior: 2 });
    expect(reseeded.metrics.psnr).not.toBe(first.metrics.psnr);

    const noisier = await executePlan(await compile({ steps: 3, samplerSeed: 1, sigmaY: 0.1 }), NODE_KIT, adapters, { cache });
    expect(noisier.ran.sort()).toEqual(['metrics', 'prior', 's', 'sim']);
    expect(calls).toMatchObject({ loadImage: 1, loadPrior: 3 });

    // the same graph again: nothing recomputed but the prior, same result, and the sampler's trace is replayed
    const events: RunEventPayload[] = [];
    const again = await executePlan(await compile({ steps: 3, samplerSeed: 1, sigmaY: 0.1 }), NODE_KIT, adapters, { cache, onEvent: (e) => events.push(e) });
    expect(again.ran).toEqual(['prior']);
    expect(again.metrics).toEqual(noisier.metrics);
    expect(events.filter((e) => e.type === 'trace')).toHaveLength(3);
  });

  it('is cancelled between network calls by its AbortSignal', async () => {
    const { adapters } = countingAdapters();
    const ac = new AbortController();
    const events: RunEventPayload[] = [];
    const plan = await compile({ steps: 50, warmup: 2 });
    const run = executePlan(plan, NODE_KIT, adapters, {
      signal: ac.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'trace' && e.step === 2) ac.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(events.at(-1)).toEqual({ type: 'cancelled' });
    expect(events.filter((e) => e.type === 'trace')).toHaveLength(3);
  });

  it('reports a failure at the node that caused it', async () => {
    const { adapters } = countingAdapters();
    const events: RunEventPayload[] = [];
    // a network that returns NaN: the sampler stops with DIVERGED at its first step
    const nanPrior: ExecuteAdapters = { ...adapters, loadPrior: () => Promise.resolve(new NanEps()) };
    const plan = await compile({ steps: 3, warmup: 2 });
    const run = executePlan(plan, NODE_KIT, nanPrior, { onEvent: (e) => events.push(e) });
    await expect(run).rejects.toBeInstanceOf(NodeExecutionError);
    expect(events.at(-1)).toMatchObject({ type: 'error', node: 's', code: 'DIVERGED' });
    expect((events.at(-1) as Extract<RunEventPayload, { type: 'error' }>).message).toMatch(/lower the step size \(eta\)/);

    const failing: ExecuteAdapters = { ...adapters, loadImage: async () => Promise.reject(new Error('disk on fire')) };
    const ev2: RunEventPayload[] = [];
    await expect(executePlan(await compile({ steps: 2 }), NODE_KIT, failing, { onEvent: (e) => ev2.push(e) })).rejects.toMatchObject({ node: 'img' });
    expect(ev2.at(-1)).toEqual({ type: 'error', node: 'img', code: 'INTERNAL', message: 'disk on fire' });
  });

  it('draws what the engine draws without a graph (same seed streams), as the CLI recipe does, and a fresh operator for a separate Degrade wire', async () => {
    const { fitToSquare } = await import('../lib/image');
    const { vpDenoiser } = await import('../lib/diffusion/vp');
    const { createOperator, simulateMeasurement } = await import('../lib/operators');
    const { createSampler, runSampler } = await import('../lib/samplers');
    const { Rng } = await import('../lib/rng');
    const { restoreImage } = await import('./recipes');
    const { adapters } = countingAdapters();
    const plan = await compile({ steps: 4, warmup: 2, eta: 1, size: 16 });
    const r = await executePlan(plan, NODE_KIT, adapters);
    const eps = new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' });
    const gt = fitToSquare(astronaut, 16);
    const op = createOperator('inpaint-random', gt.shape, {}, new Rng(0, 'operator'));
    const y = simulateMeasurement(op, gt, 0.05, new Rng(0, 'measurement'));
    const direct = await runSampler(createSampler('spgd', 'inpaint-random', { eps, denoiser: vpDenoiser(eps) }, { steps: 4, warmup: 2, eta: 1 }), {
      operator: op,
      measurement: y,
      rng: new Rng(0, 'sampler'),
    });
    const cli = await restoreImage(
      { task: 'inpaint-random', method: 'spgd', seed: 0, sigmaY: 0.05, model: 'gaussian', samplerParams: { steps: 4, warmup: 2, eta: 1 } },
      { groundTruth: astronaut, size: 16 },
      { load: () => Promise.resolve(eps) },
    );
    const sample = (r.outputs.get('s')!.image as { tensor: Tensor }).tensor;
    expect(Array.from(sample.data)).toEqual(Array.from(direct.sample.data));
    expect(Array.from(cli.sample.data)).toEqual(Array.from(direct.sample.data));

    // a second Degrade node with the same settings gives the same operator (same draws)
    const g = testGraph({ steps: 4, warmup: 2, eta: 1, size: 16 });
    g.nodes.op2 = { ...g.nodes.op, params: { task: 'inpaint-random', seed: 0 } };
    g.edges = g.edges.map((e) => (e.to.node === 's' && e.to.port === 'operator' ? { ...e, from: { node: 'op2', port: 'operator' } } : e));
    const twin = await executePlan(await compile(g), NODE_KIT, adapters);
    expect(twin.metrics).toEqual(r.metrics);
    // ... and one with another seed restores with a mismatched mask (y is read through that mask:
    // the pixels the measurement never saw count as black): a worse restoration
    g.nodes.op2.params.seed = 5;
    const other = await executePlan(await compile(g), NODE_KIT, adapters);
    expect(other.metrics.psnr!).toBeLessThan(r.metrics.psnr!);
  });

  it('runs K chains: the image is their mean, the uncertainty map their spread, the cost K times one', async () => {
    const { adapters } = countingAdapters();
    const events: RunEventPayload[] = [];
    const one = await executePlan(await compile({ steps: 3, warmup: 1, size: 16 }), NODE_KIT, adapters);
    const plan = await compile({ steps: 3, warmup: 1, size: 16, samplerParams: { samples: 3 } });
    expect(plan.nfe).toEqual({ forward: 9, vjp: 9 });
    const r = await executePlan(plan, NODE_KIT, adapters, { onEvent: (e) => events.push(e), progressIntervalMs: 0 });
    const out = r.outputs.get('s')!;
    const u = out.uncertainty as { kind: string; tensor: Tensor; samples: number };
    expect(u.kind).toBe('Uncertainty');
    expect(u.samples).toBe(3);
    expect(u.tensor.shape).toEqual([16, 16]);
    expect(Math.max(...u.tensor.data)).toBeGreaterThan(0);
    const tr = out.trace as { chainMetrics: { psnr?: number }[]; trace: unknown[] };
    expect(tr.chainMetrics).toHaveLength(3);
    expect(tr.trace).toHaveLength(3);
    // Chain 0 is the single run.
    expect(tr.chainMetrics[0].psnr).toBe(one.metrics.psnr);
    expect(events.filter((e) => e.type === 'trace')).toHaveLength(3);
    expect(events.filter((e) => e.type === 'progress').at(-1)).toMatchObject({ step: 9, steps: 9 });
    expect(events.some((e) => e.type === 'probe' && e.port === 'uncertainty' && e.kind === 'heat')).toBe(true);
  });

  it('warm-starts from a wired initial estimate, and a warm start without one is an error at the sampler node', async () => {
    const { adapters } = countingAdapters();
    const plan = await compile({ sampler: 'diffpir', steps: 20, size: 16, samplerParams: { sigmaStart: 1 }, classicalInit: true });
    const step = plan.steps.find((s) => s.node === 's')!;
    expect(step.sampler!.nfe.forward).toBeLessThan(20);
    const r = await executePlan(plan, NODE_KIT, adapters);
    expect(r.metrics.psnr).toBeGreaterThan(10);
    const bad = await compileGraph(testGraph({ sampler: 'diffpir', steps: 20, size: 16, samplerParams: { sigmaStart: 1 } }), NODE_KIT);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues.nodes.s[0]).toMatch(/sigmaStart 1 starts warm: wire an initial estimate/);
  });

  it('the CLI recipe of a warm start wires a Classical estimate into the sampler', async () => {
    const { restorationGraph } = await import('./recipes');
    const doc = restorationGraph({ task: 'sr-x4', method: 'spgd', seed: 1, sigmaY: 0.05, model: 'gaussian', samplerParams: { sigmaStart: 2, samples: 2 }, groundTruth: { source: 'sample:default', size: 16 } });
    expect(doc.nodes.init.type).toBe('spgd:sampler/classical');
    expect(doc.edges).toContainEqual({ from: { node: 'init', port: 'image' }, to: { node: 'sampler', port: 'init' } });
    expect(doc.nodes.sampler.params).toMatchObject({ sigmaStart: 2, samples: 2 });
    const cold = restorationGraph({ task: 'sr-x4', method: 'spgd', seed: 1, sigmaY: 0.05, model: 'gaussian', groundTruth: { source: 'sample:default', size: 16 } });
    expect(cold.nodes.init).toBeUndefined();
  });

  it("the recipe can warm-start from another method's restoration: a DDNM+ node on the same prior feeds the sampler's init (sr-x4)", async () => {
    const { restorationGraph, restoreImage } = await import('./recipes');
    const recipe = { task: 'sr-x4' as const, method: 'spgd-mean', seed: 1, sigmaY: 0.05, model: 'gaussian', samplerParams: { steps: 10, samples: 2 }, initMethod: 'ddnm' };
    const doc = restorationGraph({ ...recipe, groundTruth: { source: 'sample:default', size: 16 } });
    expect(doc.nodes.init.type).toBe('spgd:sampler/ddnm');
    expect(doc.edges).toContainEqual({ from: { node: 'init', port: 'image' }, to: { node: 'sampler', port: 'init' } });
    expect(doc.edges).toContainEqual({ from: { node: 'prior', port: 'prior' }, to: { node: 'init', port: 'prior' } });
    expect(doc.edges).toContainEqual({ from: { node: 'prior', port: 'prior' }, to: { node: 'sampler', port: 'prior' } });
    const compiled = await compileGraph(doc, NODE_KIT, {});
    expect(compiled.ok ? [] : compiled.issues).toEqual([]);
    // it runs, and the warm start makes it begin at the DDNM+ estimate (a start this low keeps it close)
    const eps = new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' });
    const prior = { load: () => Promise.resolve(eps) };
    const gt = { groundTruth: astronaut, size: 16 };
    const warm = await restoreImage({ ...recipe, samplerParams: { steps: 10, samples: 1, sigmaStart: 0.01 } }, gt, prior);
    const ddnm = await restoreImage({ ...recipe, method: 'ddnm', samplerParams: {}, initMethod: undefined }, gt, prior);
    const classicalStart = await restoreImage({ ...recipe, samplerParams: { steps: 10, samples: 1, sigmaStart: 0.01 }, initMethod: 'classical' }, gt, prior);
    const dist = (a: Tensor, b: Tensor) => Math.sqrt(a.data.reduce((s, v, i) => s + (v - b.data[i]) ** 2, 0) / a.data.length);
    expect(dist(warm.sample, ddnm.sample)).toBeLessThan(0.5 * dist(classicalStart.sample, ddnm.sample));
    // a cold method has nothing to start
    expect(() => restorationGraph({ ...recipe, method: 'spgd', samplerParams: {}, groundTruth: { source: 'sample:default', size: 16 } })).toThrow(/does not start warm/);
  });

  it("without initMethod a warm start begins from the method's own choice: DDNM+ for spgd-mean on the blurs and 4x SR, the classical estimate on inpainting", async () => {
    const { restorationGraph } = await import('./recipes');
    const BENCHMARK = ['inpaint-random', 'inpaint-box', 'gaussian-blur', 'motion-blur', 'sr-x4'] as const;
    const initType = (task: (typeof BENCHMARK)[number]) =>
      restorationGraph({ task, method: 'spgd-mean', seed: 0, sigmaY: 0.05, model: 'default', groundTruth: { source: 'sample:default', size: 16 } }).nodes.init.type;
    for (const task of BENCHMARK.slice(2)) expect(initType(task), task).toBe('spgd:sampler/ddnm');
    for (const task of BENCHMARK.slice(0, 2)) expect(initType(task), task).toBe('spgd:sampler/classical');
  });
});
