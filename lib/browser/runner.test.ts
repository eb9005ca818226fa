import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GaussianEpsModel } from '../diffusion/gaussian-prior';
import { decodeImage, imageToTensor } from '../image';
import { compileGraph } from '../plan/compile';
import { executePlan } from '../plan/execute';
import { NODE_KIT } from '../../nodes/runs';
import { testGraph, type TestGraphOptions } from '../../nodes/testing';
import type { Plan, RunEventPayload } from '../plan/types';
import { backendLabel, isResourceError, type FromWorker } from './protocol';
import { BrowserRunner, imageUrl, modelUrl, type RunnerDeps } from './runner';

const png = readFileSync(new URL('../../public/samples/astronaut.png', import.meta.url));

async function compile(o: TestGraphOptions): Promise<Plan> {
  const r = await compileGraph(testGraph(o), NODE_KIT);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.plan;
}

function fakeFetch(files: Partial<Record<string, Uint8Array>>, counter = { n: 0 }): typeof fetch {
  return (input) => {
    const u = new URL(input instanceof Request ? input.url : input);
    counter.n++;
    const body = files[u.pathname];
    if (!body) return Promise.resolve(new Response('not found', { status: 404 }));
    return Promise.resolve(new Response(body.slice(), { headers: { 'content-length': String(body.length) } }));
  };
}

function memoryCache() {
  const m = new Map<string, Uint8Array>();
  return {
    store: m,
    open: () =>
      Promise.resolve({
        match: (k: string) => Promise.resolve(m.has(k) ? new Response(m.get(k)!.slice()) : undefined),
        put: async (k: string, r: Response) => void m.set(k, new Uint8Array(await r.arrayBuffer())),
      }),
  };
}

function harness(over: Partial<RunnerDeps> = {}) {
  const msgs: FromWorker[] = [];
  const runner = new BrowserRunner({
    kit: NODE_KIT,
    post: (m) => msgs.push(m),
    openModel: () => Promise.resolve(new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' })),
    hasWebGpu: () => Promise.resolve(false),
    threads: () => 2,
    fetch: fakeFetch({ '/samples/astronaut.png': png }),
    base: 'http://localhost',
    ...over,
  });
  const events = () => msgs.filter((m): m is Extract<FromWorker, { type: 'event' }> => m.type === 'event').map((m) => m.event);
  return { runner, msgs, events };
}

describe('BrowserRunner', () => {
  it('runs a plan and posts the backend, the same run events as executePlan, the tensors and done', async () => {
    const plan = await compile({ steps: 4, warmup: 2, size: 16 });
    const h = harness();
    await h.runner.run({ type: 'run', runId: 'r1', plan, backend: 'wasm' });
    const info = h.msgs.find((m) => m.type === 'backend');
    expect(info?.type === 'backend' && backendLabel(info.info)).toBe('browser · wasm ×2 threads');
    expect(h.msgs.at(-1)).toEqual({ type: 'done', runId: 'r1' });
    const ev = h.events();
    expect(ev[0].type).toBe('started');
    const fin = ev.at(-1) as Extract<RunEventPayload, { type: 'finished' }>;
    expect(fin.type).toBe('finished');
    // The same numbers as executePlan with the server's adapters.
    const ref = await executePlan(plan, NODE_KIT, {
      loadImage: () => Promise.resolve(imageToTensor(decodeImage(png))),
      loadPrior: () => Promise.resolve(new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' })),
    });
    expect(fin.metrics.psnr).toBe(ref.metrics.psnr);
    expect(fin.metrics.ssim).toBe(ref.metrics.ssim);
    const tensors = h.msgs.filter((m) => m.type === 'tensor');
    expect(tensors.some((m) => m.tensor.node === 's' && m.tensor.port === 'image' && m.tensor.step === undefined)).toBe(true);
    expect(tensors.some((m) => m.tensor.port === 'g' && m.tensor.step === 0)).toBe(true);
  });

  it('falls back to wasm with a note when WebGPU is asked for and there is no adapter', async () => {
    const plan = await compile({ steps: 2, warmup: null, size: 16 });
    const h = harness({ hasWebGpu: () => Promise.resolve(false) });
    await h.runner.run({ type: 'run', runId: 'r2', plan, backend: 'webgpu' });
    const info = h.msgs.find((m) => m.type === 'backend');
    expect(info?.type === 'backend' && info.info.provider).toBe('wasm');
    expect(info?.type === 'backend' && info.info.note).toMatch(/no WebGPU adapter/);
    const gpu = harness({ hasWebGpu: () => Promise.resolve(true) });
    await gpu.runner.run({ type: 'run', runId: 'r3', plan, backend: 'auto' });
    const g = gpu.msgs.find((m) => m.type === 'backend');
    expect(g?.type === 'backend' && g.info.provider).toBe('webgpu');

    // WebGPU that cannot open the model: wasm, with a note, and wasm from then on.
    const onnx = await compile({ steps: 2, warmup: null, size: 16, model: 'default' });
    const tried: string[] = [];
    const failing = harness({
      hasWebGpu: () => Promise.resolve(true),
      fetch: fakeFetch({ '/samples/astronaut.png': png, '/models/spgd-prior-v1.onnx': new Uint8Array(10) }),
      openModel: (_b, o) => {
        tried.push(o.executionProviders[0]);
        if (o.executionProviders[0] === 'webgpu') return Promise.reject(new Error('no kernel for Einsum'));
        return Promise.resolve(new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' }));
      },
    });
    await failing.runner.run({ type: 'run', runId: 'r4', plan: onnx, backend: 'auto' });
    expect(tried).toEqual(['webgpu', 'wasm']);
    const infos = failing.msgs.filter((m) => m.type === 'backend');
    expect(infos.at(-1)?.info.provider).toBe('wasm');
    expect(infos.at(-1)?.info.note).toMatch(/WebGPU could not open default/);
    expect(failing.events().at(-1)?.type).toBe('finished');
  });

  it('downloads a model with progress, keeps it in the cache, and refuses models too large for a tab', async () => {
    const plan = await compile({ steps: 2, warmup: null, size: 16, model: 'default' });
    const model = new Uint8Array(300_000).fill(7);
    const counter = { n: 0 };
    const cache = memoryCache();
    const opened: number[] = [];
    const h = harness({
      fetch: fakeFetch({ '/samples/astronaut.png': png, '/models/spgd-prior-v1.onnx': model }, counter),
      openCache: cache.open,
      openModel: (bytes) => {
        opened.push(bytes.length);
        return Promise.resolve(new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' }));
      },
    });
    await h.runner.run({ type: 'run', runId: 'a', plan, backend: 'wasm', models: { default: { url: '/models/spgd-prior-v1.onnx', sha256: 'abc' } } });
    expect(h.events().at(-1)?.type).toBe('finished');
    expect(opened).toEqual([300_000]);
    const dl = h.msgs.filter((m) => m.type === 'download');
    expect(dl.at(-1)).toMatchObject({ loaded: 300_000, total: 300_000, cached: false });
    expect([...cache.store.keys()]).toEqual(['http://localhost/models/spgd-prior-v1.onnx?sha256=abc']);

    // A fresh runner (a new tab) reads the bytes from Cache Storage instead of the network.
    const before = counter.n;
    const h2 = harness({ fetch: fakeFetch({ '/samples/astronaut.png': png }, counter), openCache: cache.open });
    await h2.runner.run({ type: 'run', runId: 'b', plan, backend: 'wasm', models: { default: { url: '/models/spgd-prior-v1.onnx', sha256: 'abc' } } });
    expect(h2.events().at(-1)?.type).toBe('finished');
    expect(counter.n - before).toBe(1); // the image only
    expect(h2.msgs.find((m) => m.type === 'download')).toMatchObject({ cached: true });

    const h3 = harness({ fetch: fakeFetch({ '/samples/astronaut.png': png, '/models/spgd-prior-v1.onnx': model }) });
    await h3.runner.run({ type: 'run', runId: 'c', plan, backend: 'wasm', maxModelBytes: 1000 });
    const err = h3.events().at(-1) as Extract<RunEventPayload, { type: 'error' }>;
    expect(err).toMatchObject({ type: 'error', node: 'prior', code: 'BROWSER_RESOURCE' });
    expect(err.message).toMatch(/run it on the server/);
  });

  it('reports out-of-memory and lost devices at the node with the advice to use the server', async () => {
    const plan = await compile({ steps: 2, warmup: null, size: 16, model: 'default' });
    const h = harness({
      fetch: fakeFetch({ '/samples/astronaut.png': png, '/models/spgd-prior-v1.onnx': new Uint8Array(10) }),
      openModel: () => {
        const eps = new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' });
        eps.eps = () => Promise.reject(new Error('GPUDevice was lost: out of memory'));
        return Promise.resolve(eps);
      },
    });
    await h.runner.run({ type: 'run', runId: 'oom', plan, backend: 'wasm' });
    const err = h.events().at(-1) as Extract<RunEventPayload, { type: 'error' }>;
    expect(err).toMatchObject({ type: 'error', node: 's', code: 'BROWSER_RESOURCE' });
    expect(err.message).toMatch(/run it on the server instead/);
    expect(h.msgs.at(-1)?.type).toBe('done');
  });

  it('cancels between network calls', async () => {
    const plan = await compile({ steps: 40, warmup: 2, size: 16 });
    const h = harness();
    const p = h.runner.run({ type: 'run', runId: 'x', plan, backend: 'wasm' });
    h.runner.cancel('x');
    await p;
    expect(h.events().at(-1)?.type).toBe('cancelled');
    expect(h.msgs.at(-1)?.type).toBe('done');
  });

  it('maps sources and models to same-origin URLs', () => {
    expect(imageUrl('sample:default')).toBe('/samples/astronaut.png');
    expect(imageUrl(`sha256:${'a'.repeat(64)}`)).toBe(`/api/assets/${'a'.repeat(64)}`);
    expect(modelUrl('default')).toBe('/models/spgd-prior-v1.onnx');
    expect(() => modelUrl('http://evil')).toThrow(/model must be/);
    expect(isResourceError('RangeError: Array buffer allocation failed')).toBe(true);
    expect(isResourceError('diverged at step 3')).toBe(false);
  });
});
