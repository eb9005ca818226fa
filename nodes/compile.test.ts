import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileGraph, type CompileEnv, type PriorReport } from '../lib/plan/compile';
import { emptyThroughput, Throughput } from '../lib/plan/throughput';
import type { Plan } from '../lib/plan/types';
import { methodConfig, methodInit } from '../lib/samplers';
import type { TaskName } from '../lib/operators/types';
import { NODE_TYPES } from '.';
import { NODE_KIT } from './runs';
import degrade from './degradation/degrade';
import { testGraph } from './testing';

const lookup = NODE_KIT;
/** The engine's tuned default of a sampler parameter for a task. */
const tuned = (method: string, task: TaskName, key: string) => methodConfig(method, task, { sigmaY: 0.05 }).params[key];
const presetsDir = new URL('../presets/', import.meta.url);
/** A preset file: the parts these tests read (the document is compiled as it is, unparsed). */
interface Preset {
  id: string;
  document: { nodes: Partial<Record<string, { type: string; params: Record<string, unknown> }>> };
}
const preset = (file: string) => JSON.parse(readFileSync(new URL(file, presetsDir), 'utf8')) as Preset;

async function plan(doc: unknown, env?: CompileEnv): Promise<Plan> {
  const r = await compileGraph(doc, lookup, env);
  if (!r.ok) throw new Error(`expected a plan, got ${JSON.stringify(r.issues)}`);
  return r.plan;
}

async function issues(doc: unknown, env?: CompileEnv) {
  const r = await compileGraph(doc, lookup, env);
  if (r.ok) throw new Error('expected issues, got a plan');
  return r.issues;
}

describe('compileGraph: plans', () => {
  it('compiles every built-in preset; the SPGD and DDNM+ ones run their method\'s configuration exactly (spgd-mean, spgd for the paper protocol, ddnm)', async () => {
    const files = readdirSync(presetsDir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(18);
    for (const f of files) {
      const p = preset(f);
      const pl = await plan(p.document);
      expect(pl.primary).not.toBeNull();
      const task = Object.values(p.document.nodes).find((n) => n?.type === degrade.type)!.params.task as TaskName;
      if (p.id.startsWith('builtin-spgd-')) {
        // The task presets run their method exactly: the posterior mean, or the paper's per-sample protocol.
        const method = p.id.endsWith('-paper') ? 'spgd' : 'spgd-mean';
        expect(pl.steps.find((s) => s.node === 'spgd')!.sampler!.params, p.id).toEqual(methodConfig(method, task, { sigmaY: 0.05 }).params);
        // ...and the posterior mean starts from the restoration its method names (DDNM+ or the classical estimate)
        if (method === 'spgd-mean') {
          expect(pl.steps.find((s) => s.node === 'init')!.sampler!.params, p.id).toEqual(methodConfig(methodInit(method, task), task, { sigmaY: 0.05 }).params);
          expect(pl.steps.find((s) => s.node === 'spgd')!.inputs.init, p.id).toEqual({ node: 'init', port: 'image' });
        }
      } else if (p.id.startsWith('builtin-ddnm-')) {
        expect(pl.steps.find((s) => s.node === 'ddnm')!.sampler!.params, p.id).toEqual(methodConfig('ddnm', task, { sigmaY: 0.05 }).params);
      } else if (p.document.nodes.warm) expect(p.document.nodes.warm.params.eta).toBe(tuned('spgd', task, 'eta'));
      if (p.document.nodes.dps) expect(p.document.nodes.dps.params.zeta).toBe(tuned('dps', task, 'zeta'));
    }
  });

  it('orders steps by dependency, resolves params and inputs, and counts SPGD NFE as T*N (reuse)', async () => {
    const pl = await plan(preset('spgd-inpaint-random-paper.json').document);
    const order = pl.steps.map((s) => s.node);
    for (const [a, b] of [['img', 'sim'], ['op', 'sim'], ['sim', 'spgd'], ['prior', 'spgd'], ['spgd', 'metrics'], ['spgd', 'angles']]) {
      expect(order.indexOf(a)).toBeLessThan(order.indexOf(b));
    }
    const spgd = pl.steps.find((s) => s.node === 'spgd')!;
    expect(spgd.runsOn).toBe('server');
    expect(spgd.inputs.warmup).toEqual({ node: 'warm', port: 'warmup' });
    expect(spgd.sampler).toMatchObject({ method: 'spgd', steps: 100, nfe: { forward: 500, vjp: 500 }, height: 64, width: 64 });
    expect(spgd.sampler!.params).toMatchObject({ warmup: 5, eta: tuned('spgd', 'inpaint-random', 'eta'), beta: 0.9, admApplied: true, sigmaMax: 100, rho: 7 });
    expect(pl.nfe).toEqual({ forward: 500, vjp: 500 });
    expect(pl.steps.find((s) => s.node === 'sim')!.params).toEqual({ sigmaY: 0.05, seed: 0 });
  });

  it('counts T*(N+1) with fresh, T with no warm-up (beta 0, ADM off), steps+steps for DPS, T for DiffPIR', async () => {
    const fresh = testGraph({ steps: 10, warmup: 3 });
    fresh.nodes.s.params.denoiseFrom = 'fresh';
    expect((await plan(fresh)).nfe).toEqual({ forward: 40, vjp: 30 });
    const ddim = await plan(testGraph({ steps: 10, warmup: null }));
    expect(ddim.nfe).toEqual({ forward: 10, vjp: 0 });
    expect(ddim.steps.find((s) => s.node === 's')!.sampler!.params).toMatchObject({ warmup: 0, beta: 0, admApplied: false });
    expect((await plan(testGraph({ sampler: 'dps', steps: 20 }))).nfe).toEqual({ forward: 20, vjp: 20 });
    const pir = await plan(testGraph({ sampler: 'diffpir', steps: 12, sigmaY: 0.1 }));
    expect(pir.nfe).toEqual({ forward: 12, vjp: 0 });
    expect(pir.steps.find((s) => s.node === 's')!.sampler!.params).toMatchObject({ sigmaY: 0.1, steps: 12 });
  });

  it('estimates time from the prior FLOPs at the image size (VJP calls cost 2.5 forwards), every node, and memory', async () => {
    const seen: string[] = [];
    const env: CompileEnv = {
      inspectPrior: (model, { height, width }): PriorReport => {
        seen.push(`${model}@${height}x${width}`);
        return { flops: 4e9, parameters: 1e6, problems: [], unsupportedOps: [] };
      },
    };
    const pl = await plan(testGraph({ size: 32, steps: 10, warmup: 2, model: 'default' }), env);
    expect(seen).toEqual(['default@32x32']);
    const s = pl.steps.find((x) => x.node === 's')?.sampler;
    expect(s).toMatchObject({ model: 'default', flops: 4e9, guidance: 'fused', task: 'inpaint-random' });
    // 20 forward+VJP calls x 2.5 x 4e9 / 150e9 = 1.333 s, plus the sampler's own work and the other nodes (ms each)
    expect(pl.estimate.seconds).toBeGreaterThan(4 / 3);
    expect(pl.estimate.seconds).toBeLessThan(4 / 3 + 0.05);
    expect(pl.estimate.memoryMB).toBeGreaterThan(8); // 2 x 4 MB of weights at least
    const ddim = await plan(testGraph({ size: 32, steps: 10, warmup: null, model: 'default' }), env);
    expect(ddim.estimate.seconds).toBeGreaterThan((10 * 4) / 150);
    expect(ddim.estimate.seconds).toBeLessThan((10 * 4) / 150 + 0.05);
    // With measured speeds: 20 fused calls at 0.1 s; a cached sampler costs nothing.
    const throughput = new Throughput(emptyThroughput('server'));
    throughput.recordNetwork('default', 32 * 32, 4e9, { forward: 0.04, fused: 0.1, pullback: 0.14 });
    const measured = await plan(testGraph({ size: 32, steps: 10, warmup: 2, model: 'default' }), { ...env, throughput });
    expect(measured.estimate.seconds).toBeGreaterThan(2);
    expect(measured.estimate.seconds).toBeLessThan(2.05);
    const key = measured.steps.find((x) => x.node === 's')?.key;
    const cached = await plan(testGraph({ size: 32, steps: 10, warmup: 2, model: 'default' }), { ...env, throughput, isCached: (k) => k === key });
    expect(cached.estimate.seconds).toBeLessThan(0.05);
    // each step carries its share of the estimate
    const spgd = (p: Plan) => p.steps.find((st) => st.node === 's')!.estimate;
    expect(spgd(pl).seconds).toBeCloseTo(4 / 3, 1);
    expect(spgd(cached).seconds).toBe(0);
  });

  it('counts every node: a fan-out of 30 resizes to 1024 px is estimated at the 360 MB its outputs hold', async () => {
    const doc = testGraph({ size: 0 });
    for (let i = 0; i < 30; i++) {
      doc.nodes[`r${i}`] = { type: 'spgd:image/resize', typeVersion: 1, params: { width: 1024, height: 1024 }, mode: 'active' };
      doc.edges.push({ from: { node: 'img', port: 'image' }, to: { node: `r${i}`, port: 'image' } });
    }
    const pl = await plan(doc, { describeImage: () => ({ width: 256, height: 256 }) });
    const resizes = pl.steps.filter((st) => st.type === 'spgd:image/resize');
    expect(resizes).toHaveLength(30);
    // 3 x 1024 x 1024 float32 = 12 MiB each, and a little time
    for (const st of resizes) {
      expect(st.estimate.memoryMB).toBeCloseTo(12.1, 1);
      expect(st.estimate.seconds).toBeGreaterThan(0.01);
    }
    // the loader decodes the 256 px source and keeps it as it is (size 0): 2 x 3 x 256 x 256 x 4 bytes
    expect(pl.steps.find((st) => st.node === 'img')!.estimate.memoryMB).toBeCloseTo(1.6, 1);
    expect(pl.estimate.memoryMB).toBeGreaterThan(30 * 12);
    expect(pl.estimate.seconds).toBeCloseTo(pl.steps.reduce((a, st) => a + st.estimate.seconds, 0), 1);
  });

  it('gives every step a cost in every built-in preset and sampler variant, covering every node type', async () => {
    const docs: [string, unknown][] = readdirSync(presetsDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => [f, preset(f).document]);
    for (const sampler of ['dps', 'diffpir', 'ddnm', 'daps'] as const) docs.push([sampler, testGraph({ sampler })]);
    docs.push(['spgd, mean of 4 from a warm start', testGraph({ samplerParams: { samples: 4, sigmaStart: 0.5 }, classicalInit: true })]);
    // a resized photo blurred by an uploaded kernel, its black pixels as an inpainting mask
    const photo = testGraph();
    const n = (type: string, params: Record<string, unknown>) => ({ type, typeVersion: 1, params, mode: 'active' as const });
    Object.assign(photo.nodes, {
      rs: n('spgd:image/resize', { width: 32, height: 32 }),
      k: n('spgd:input/load-kernel', { source: `sha256:${'a'.repeat(64)}` }),
      blur: n(degrade.type, { task: 'blur', seed: 0, options: {} }),
      blurred: n('spgd:degradation/simulate', { sigmaY: 0.05, seed: 0 }),
      holes: n('spgd:degradation/black-mask', {}),
      inpaint: n(degrade.type, { task: 'inpaint', seed: 0, options: {} }),
    });
    const wire = (a: string, ap: string, b: string, bp: string) => photo.edges.push({ from: { node: a, port: ap }, to: { node: b, port: bp } });
    wire('img', 'image', 'rs', 'image');
    wire('k', 'kernel', 'blur', 'kernel');
    wire('rs', 'image', 'blurred', 'image');
    wire('blur', 'operator', 'blurred', 'operator');
    wire('blurred', 'measurement', 'holes', 'measurement');
    wire('holes', 'mask', 'inpaint', 'mask');
    docs.push(['photo', photo]);
    const env: CompileEnv = { describeImage: (source) => (source.startsWith('sha256:') ? { width: 5, height: 5 } : undefined) };
    const types = new Set<string>();
    for (const [name, doc] of docs) {
      const pl = await plan(doc, env);
      for (const st of pl.steps) {
        types.add(st.type);
        expect(st.estimate.seconds, `${name}: ${st.node}`).toBeGreaterThan(0);
        expect(st.estimate.memoryMB, `${name}: ${st.node}`).toBeGreaterThan(0);
      }
      expect(pl.estimate.seconds, name).toBeCloseTo(pl.steps.reduce((a, st) => a + st.estimate.seconds, 0), 2);
    }
    expect(NODE_TYPES.map((d) => d.type).filter((t) => !types.has(t))).toEqual([]);
  });

  it('refuses params a bypassed node could otherwise smuggle into the stored document', async () => {
    const doc = testGraph();
    doc.nodes.metrics.mode = 'bypass';
    doc.nodes.metrics.params = { junk: 'x'.repeat(1000) };
    const r = await compileGraph(doc, lookup);
    expect(!r.ok && r.issues.nodes.metrics.join(' ')).toMatch(/junk/);
  });

  it("prices DDNM+'s pseudo-inverses, DAPS's Langevin steps and K samples from the operator's measured speeds", async () => {
    const t = new Throughput(emptyThroughput('server'));
    t.recordNetwork('gaussian', 32 * 32, 0, { forward: 0.01, fused: 0.03, pullback: 0.04 });
    t.recordOperator('gaussian-blur', 32 * 32, 0.001, 0.02, 0.05);
    t.recordStepOverhead(32 * 32, 0);
    t.recordNoiseDraw(32 * 32, 0.0005);
    const sampled = async (sampler: 'ddnm' | 'daps', samplerParams: Record<string, unknown> = {}) => {
      const pl = await plan(testGraph({ task: 'gaussian-blur', size: 32, steps: 10, sampler, samplerParams }), { throughput: t });
      const step = pl.steps.find((x) => x.node === 's');
      if (!step?.sampler) throw new Error('no sampler step');
      return { s: step.sampler, seconds: pl.estimate.seconds };
    };
    const ddnm = await sampled('ddnm');
    expect(ddnm.s).toMatchObject({ steps: 10, pinvSteps: 10, task: 'gaussian-blur' });
    // 10 forwards at 0.01 s and 10 pseudo-inverses at 0.05 s, plus the other nodes
    expect(ddnm.seconds).toBeGreaterThan(0.6);
    expect(ddnm.seconds).toBeLessThan(0.65);
    const daps = await sampled('daps', { odeSteps: 1, langevinSteps: 20 });
    expect(daps.s).toMatchObject({ applySteps: 10 * 21, noiseDraws: 10 * 20 });
    // 10 forwards, 10 x (20 Langevin steps + the residual) round trips at 0.001 s, 200 noise draws at 0.0005 s
    expect(daps.seconds).toBeGreaterThan(0.41);
    expect(daps.seconds).toBeLessThan(0.46);
    // K = 3 samples: three chains' steps, calls and operator work
    const k3 = await sampled('ddnm', { samples: 3 });
    expect(k3.s).toMatchObject({ steps: 30, pinvSteps: 30, nfe: { forward: 30, vjp: 0 } });
    expect(k3.seconds - ddnm.seconds).toBeCloseTo(2 * 0.6, 2);
  });

  it('hash ignores the ui, and a bypassed optional input compiles as unconnected', async () => {
    const g = testGraph({ steps: 10, warmup: 2 });
    const moved = structuredClone(g);
    moved.ui.positions = { s: { x: 1, y: 2 } };
    expect((await plan(moved)).hash).toBe((await plan(g)).hash);
    g.nodes.warm.mode = 'bypass';
    const pl = await plan(g);
    expect(pl.nfe).toEqual({ forward: 10, vjp: 0 });
    expect(pl.steps.map((s) => s.node)).not.toContain('warm');
  });

  it('compiles a version-0 document', async () => {
    const g = testGraph();
    const v0 = {
      format: g.format,
      schemaVersion: 0,
      nodes: Object.fromEntries(Object.entries(g.nodes).map(([id, n]) => [id, { type: n.type, params: n.params, position: { x: 0, y: 0 } }])),
      edges: g.edges.map((e) => [e.from.node, e.from.port, e.to.node, e.to.port]),
    };
    expect((await plan(v0)).hash).toBe((await plan(g)).hash);
  });
});

describe('compileGraph: per-node issues', () => {
  it('a missing wire', async () => {
    const g = testGraph();
    g.edges = g.edges.filter((e) => !(e.to.node === 's' && e.to.port === 'prior'));
    expect((await issues(g)).nodes).toEqual({ s: ["input 'Prior' is not connected"] });
  });

  it('a cycle', async () => {
    const g = testGraph();
    g.edges = g.edges.filter((e) => !(e.to.node === 'sim' && e.to.port === 'image'));
    g.edges.push({ from: { node: 's', port: 'image' }, to: { node: 'sim', port: 'image' } });
    const is = await issues(g);
    expect(is.graph).toEqual(['the graph has a cycle']);
    expect(is.nodes.s[0]).toMatch(/part of a cycle/);
    expect(is.nodes.sim[0]).toMatch(/part of a cycle/);
  });

  it('a bad param, an unknown type and a wire of the wrong type', async () => {
    const g = testGraph();
    g.nodes.warm.params.steps = -3;
    g.nodes.x = { type: 'spgd:nope/nothing', typeVersion: 1, params: {}, mode: 'active' };
    g.edges = g.edges.filter((e) => !(e.to.node === 'metrics' && e.to.port === 'image'));
    g.edges.push({ from: { node: 'sim', port: 'measurement' }, to: { node: 'metrics', port: 'image' } });
    const is = (await issues(g)).nodes;
    expect(is.warm[0]).toMatch(/^steps: /);
    expect(is.x).toEqual(["unknown node type 'spgd:nope/nothing'"]);
    expect(is.metrics).toEqual(["input 'Restored' takes Image, not Measurement"]);
  });

  it('an sr-x4 image whose size is not divisible by 4, and an image too small for the blur kernel', async () => {
    const sr = testGraph({ task: 'sr-x4', size: 66 });
    expect((await issues(sr)).nodes.sim).toEqual(['sr-x4 needs height and width divisible by 4, got 66x66']);
    const blur = testGraph({ task: 'gaussian-blur', size: 16 });
    expect((await issues(blur)).nodes.sim[0]).toMatch(/needs the image at least 31x31/);
    // the size rule with the operator's own options: a 13-px kernel fits a 16-px image
    blur.nodes.op.params.options = { kernelSize: 13, std: 1 };
    await plan(blur);
  });

  it('sampler parameters that do not fit together', async () => {
    const g = testGraph();
    g.nodes.sched.params = { steps: 10, sigmaMax: 1, sigmaMin: 5 };
    expect((await issues(g)).nodes.sched).toEqual(['sigma_min must be below sigma_max']);
  });

  it('a prior with an unsupported op (env hook), only where a gradient is needed', async () => {
    const env: CompileEnv = { inspectPrior: () => ({ flops: 1e9, parameters: 10, problems: [], unsupportedOps: ["Round 'round_3'"] }) };
    const is = await issues(testGraph({ model: 'default' }), env);
    expect(is.nodes.prior[0]).toMatch(/cannot be differentiated: Round 'round_3'/);
    expect(Object.keys(is.nodes)).toEqual(['prior']);
    await plan(testGraph({ model: 'default', warmup: null }), env);
    const bad: CompileEnv = { inspectPrior: () => ({ flops: 0, parameters: 0, problems: ['an epsilon network takes 2 inputs'], unsupportedOps: [] }) };
    expect((await issues(testGraph({ model: 'default', warmup: null }), bad)).nodes.prior).toEqual(['an epsilon network takes 2 inputs']);
  });

  it('an image source that is malformed or missing, and a required input fed by a bypassed node', async () => {
    expect((await issues(testGraph({ source: 'http://x/y.png' }))).nodes.img[0]).toMatch(/^source: must be 'sample:<name>' or 'sha256:/);
    const env: CompileEnv = { describeImage: (s) => (s === 'sample:default' ? { width: 22, height: 22 } : { error: `no sample '${s.slice(7)}'` }) };
    expect((await issues(testGraph({ source: 'sample:nope' }), env)).nodes.img).toEqual(["no sample 'nope'"]);
    const keep = testGraph({ size: 0, task: 'sr-x4' });
    expect((await issues(keep, env)).nodes.sim).toEqual(['sr-x4 needs height and width divisible by 4, got 22x22']);
    const g = testGraph();
    g.nodes.sched.mode = 'bypass';
    expect((await issues(g)).nodes.s).toEqual(["input 'Schedule' comes from 'sched', which is bypassed"]);
  });

  it('an unreadable document goes to the graph-level issues', async () => {
    expect(await compileGraph({ format: 'spgd-studio.graph', schemaVersion: 7, nodes: {} }, lookup)).toEqual({
      ok: false,
      issues: { nodes: {}, graph: [expect.stringMatching(/newer SPGD Studio/)] },
    });
  });
});
