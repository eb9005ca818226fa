import { describe, expect, it } from 'vitest';
import { activationBytes, estimateTime, learnFromRun, samplerBytes, samplerSeconds } from './estimate';
import { emptyThroughput, readThroughput, Throughput } from './throughput';
import type { PlanStep } from './types';

const PX64 = 64 * 64;

function sampler(over: Partial<NonNullable<PlanStep['sampler']>> = {}): NonNullable<PlanStep['sampler']> {
  return {
    method: 'spgd',
    params: {},
    seed: 0,
    steps: 10,
    nfe: { forward: 20, vjp: 20 },
    height: 64,
    width: 64,
    model: 'default',
    flops: 1e9,
    guidance: 'fused',
    task: 'inpaint-random',
    secondsPerForward: 0,
    ...over,
  };
}

function step(node: string, over: Partial<PlanStep> = {}): PlanStep {
  return { node, type: `spgd:test/${node}`, runsOn: 'server', key: `k-${node}`, params: {}, inputs: {}, outputs: [], estimate: { seconds: 0, memoryMB: 0 }, ...over };
}

function table(): Throughput {
  const t = new Throughput(emptyThroughput('server'));
  t.recordNetwork('default', PX64, 1e9, { forward: 0.01, fused: 0.03, pullback: 0.04 });
  t.recordNetwork('default', 4 * PX64, 4e9, { forward: 0.04, fused: 0.12, pullback: 0.16 });
  t.recordOperator('inpaint-random', PX64, 0.001, 0.002);
  t.recordStepOverhead(PX64, 0.005);
  t.recordLoad('default', 2);
  return t;
}

describe('Throughput', () => {
  it('gives measured network times, scales by FLOPs beyond them and interpolates between them', () => {
    const t = table();
    expect(t.network('default', PX64, 1e9)).toEqual({ forward: 0.01, fused: 0.03, pullback: 0.04 });
    // 256 px: 4x the FLOPs of the 128 px point
    expect(t.network('default', 16 * PX64, 16e9)?.fused).toBeCloseTo(0.48, 6);
    // between 64 and 128 px, log-log: the geometric mean at the geometric mean of the pixels
    expect(t.network('default', 2 * PX64, 2e9)?.forward).toBeCloseTo(0.02, 6);
    // another model is priced at the measured FLOP rate
    expect(t.network('sha256:x', PX64, 3e9)?.forward).toBeCloseTo(0.03, 6);
    // ...but not at an analytic prior's (its time is overhead, not FLOPs)
    const analytic = new Throughput(emptyThroughput('server'));
    analytic.recordNetwork('gaussian', PX64, 30 * PX64, { forward: 0.001, fused: 0.002, pullback: 0.003 });
    expect(analytic.network('default', PX64, 1e9)).toBeUndefined();
    expect(new Throughput(emptyThroughput('server')).network('default', PX64, 1e9)).toBeUndefined();
  });

  it('round-trips through JSON and refuses another backend or a bad file', () => {
    const t = table();
    const back = readThroughput(JSON.parse(JSON.stringify(t.toJSON())), 'server');
    expect(back?.network('default', PX64, 1e9)).toEqual(t.network('default', PX64, 1e9));
    expect(readThroughput(t.toJSON(), 'browser-wasm')).toBeNull();
    expect(readThroughput({ version: 1, backend: 'server', network: 'nope' }, 'server')).toBeNull();
  });

  it('blends corrections geometrically and bounds one odd run', () => {
    const t = table();
    t.learnSampler('default', PX64, 2);
    expect(t.correction('default', PX64)).toBeCloseTo(2, 6);
    t.learnSampler('default', PX64, 0.5);
    expect(t.correction('default', PX64)).toBeCloseTo(1, 6);
    t.learnSampler('default', PX64, 1000);
    expect(t.correction('default', PX64)).toBeLessThanOrEqual(Math.sqrt(8) + 1e-9);
    // a size without runs of its own takes the model's correction over all sizes...
    expect(t.correction('default', 9 * PX64)).toBeGreaterThan(1.5);
    // ...but another model never does (an analytic prior's overhead-bound runs say nothing of a network)
    expect(t.correction('sha256:x', PX64)).toBe(1);
    expect(t.correction(null, PX64)).toBe(1);
  });
});

describe('estimateTime', () => {
  it('prices plain forwards, fused calls with the operator share, and the per-step work', () => {
    const s = sampler({ nfe: { forward: 25, vjp: 20 } });
    // 5 plain forwards, 20 fused calls + their operator share, 10 outer steps
    expect(samplerSeconds(s, table())).toBeCloseTo(5 * 0.01 + 20 * (0.03 + 0.001) + 10 * 0.005, 9);
    expect(samplerSeconds({ ...s, guidance: 'pullback' }, table())).toBeCloseTo(5 * 0.01 + 20 * (0.04 + 0.001) + 10 * 0.005, 9);
    expect(samplerSeconds({ ...s, nfe: { forward: 10, vjp: 0 }, proxSteps: 10 }, table())).toBeCloseTo(10 * 0.01 + 10 * 0.002 + 10 * 0.005, 9);
    // Operator round trips outside the network calls (DAPS), pseudo-inverses (DDNM+): an operator
    // whose A^+ was not measured is priced as a proximal step
    expect(samplerSeconds({ ...s, nfe: { forward: 10, vjp: 0 }, applySteps: 30 }, table())).toBeCloseTo(10 * 0.01 + 30 * 0.001 + 10 * 0.005, 9);
    expect(samplerSeconds({ ...s, nfe: { forward: 10, vjp: 0 }, pinvSteps: 10 }, table())).toBeCloseTo(10 * 0.01 + 10 * 0.002 + 10 * 0.005, 9);
    const pinv = table();
    pinv.recordOperator('inpaint-random', PX64, 0.001, 0.002, 0.0005);
    expect(samplerSeconds({ ...s, nfe: { forward: 10, vjp: 0 }, pinvSteps: 10 }, pinv)).toBeCloseTo(10 * 0.01 + 10 * 0.0005 + 10 * 0.005, 9);
    // DAPS's Langevin noise: image-sized normal draws at their measured speed
    const noisy = table();
    noisy.recordNoiseDraw(PX64, 0.003);
    expect(samplerSeconds({ ...s, nfe: { forward: 10, vjp: 0 }, applySteps: 30, noiseDraws: 20 }, noisy)).toBeCloseTo(10 * 0.01 + 30 * 0.001 + 20 * 0.003 + 10 * 0.005, 9);
  });

  it('counts every node, nothing for cached ones, and the model opening when it is cold', () => {
    const t = table();
    t.learnNode('spgd:test/img', PX64, 0.2);
    const plan = { steps: [step('img'), step('s', { sampler: sampler() }), step('other')] };
    const warm = estimateTime(plan, { throughput: t });
    expect(warm.steps.img).toBeCloseTo(0.2, 9);
    expect(warm.steps.other).toBeGreaterThan(0);
    expect(warm.seconds).toBeCloseTo(warm.steps.img + warm.steps.s + warm.steps.other, 2);
    const cached = estimateTime(plan, { throughput: t, cached: (k) => k === 'k-s' });
    expect(cached.steps.s).toBe(0);
    const cold = estimateTime(plan, { throughput: t, warm: () => false });
    expect(cold.load).toBe(2);
    expect(cold.seconds).toBeCloseTo(warm.seconds + 2, 2);
    const download = estimateTime(plan, { throughput: t, downloadBytes: () => 10e6 });
    expect(download.download).toBeCloseTo(2, 3); // 10 MB at the assumed 5 MB/s
  });

  it('without measurements prices from the FLOPs at a nominal rate', () => {
    const e = estimateTime({ steps: [step('s', { sampler: sampler({ flops: 150e9, nfe: { forward: 1, vjp: 0 }, steps: 1 }) })] });
    expect(e.steps.s).toBeGreaterThan(1);
    expect(e.steps.s).toBeLessThan(1.1);
  });

  it('learns from a finished run: the next estimate of the same plan is its real time', () => {
    const t = table();
    const plan = { steps: [step('img'), step('s', { sampler: sampler() })] };
    const before = estimateTime(plan, { throughput: t });
    const real = { img: 0.05, s: 3 * before.steps.s };
    learnFromRun(t, plan, { nodeSeconds: real });
    learnFromRun(t, plan, { nodeSeconds: real });
    learnFromRun(t, plan, { nodeSeconds: real });
    const after = estimateTime(plan, { throughput: t });
    expect(after.steps.s / real.s).toBeGreaterThan(0.9);
    expect(after.steps.s / real.s).toBeLessThan(1.1);
    expect(after.steps.img).toBeGreaterThan(0.04);
    // a cold run: the opening is taken off the sampler's time before it is compared
    const t2 = table();
    learnFromRun(t2, plan, { nodeSeconds: { s: before.steps.s + 2 }, coldModels: ['default'] });
    expect(t2.correction('default', PX64)).toBeCloseTo(1, 6);
  });
});

describe('cold sessions', () => {
  it('cost the compilation of the session kind the sampler calls; a closed model adds its opening; learning takes off the same', () => {
    const t = table();
    t.recordCompile('default', 'fused', 0.5);
    t.recordCompile('default', 'pullback', 0.7);
    t.recordCompile('default', 'forward', 0.1);
    const spgd = { steps: [step('s', { sampler: sampler() })] };
    const dps = { steps: [step('s', { sampler: sampler({ guidance: 'pullback' }) })] };
    const ddim = { steps: [step('s', { sampler: sampler({ nfe: { forward: 10, vjp: 0 } }) })] };
    const cold = (plan: typeof spgd, open: boolean) => estimateTime(plan, { throughput: t, warm: () => false, isOpen: () => open }).load;
    expect(cold(spgd, true)).toBe(0.5);
    expect(cold(dps, true)).toBe(0.7);
    expect(cold(ddim, true)).toBe(0.1);
    expect(cold(spgd, false)).toBe(2 + 0.5);
    // A run at a new size of an open model: 0.5 s of compiling on top of its steady time.
    const warm = estimateTime(spgd, { throughput: t });
    learnFromRun(t, spgd, { nodeSeconds: { s: warm.steps.s + 0.5 }, coldModels: ['default'], openedModels: [] });
    expect(t.correction('default', PX64)).toBeCloseTo(1, 6);
  });

  it('a table of another version is measured again, not read', () => {
    expect(readThroughput({ ...table().toJSON(), version: 1 }, 'server')).toBeNull();
    expect(readThroughput(table().toJSON(), 'server')).not.toBeNull();
  });
});

describe('samplerBytes', () => {
  const priced = (samples: number, size: number) => ({
    contribution: { ...sampler({ height: size, width: size, params: { samples } }) },
    model: 'default',
    report: { flops: 1e9, parameters: 0, activationBytes: 100e6 } as never,
  });

  it('K chains in lockstep: K working sets, and the VJP activations of every image of a batched call', () => {
    const image = (size: number) => 3 * size * size * 4;
    // 128 px: the 4 chains share one batched call, so 4 x the activations.
    expect(samplerBytes(priced(4, 128)) - samplerBytes(priced(1, 128))).toBe(3 * 100e6 + 3 * 12 * image(128));
    // 256 px: batches of one image, the activations once.
    expect(samplerBytes(priced(4, 256)) - samplerBytes(priced(1, 256))).toBe(3 * 12 * image(256));
    expect(activationBytes(150)).toBe(4);
  });
});
