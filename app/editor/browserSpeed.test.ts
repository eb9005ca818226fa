/**
 * The tab's estimate right after its calibration: the calibration leaves the model open (with
 * its inpainting sessions at 64 px) and in Cache Storage, so the first run is priced warm and
 * learning from it does not take an opening off its time that it never paid.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { estimateTime } from '../../lib/plan/estimate';
import { CALIBRATION_TASK, emptyThroughput, Throughput } from '../../lib/plan/throughput';
import type { PlanStep } from '../../lib/plan/types';
import { browserEstimate, coldModels, learnBrowserRun, loadBrowserThroughput, markCalibrated, saveBrowserThroughput } from './browserSpeed';

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  };
}

const PX = 64 * 64;
const step: PlanStep = {
  node: 'spgd',
  type: 'spgd:sampler/spgd',
  runsOn: 'browser',
  key: 'k-spgd',
  params: {},
  inputs: {},
  outputs: [],
  estimate: { seconds: 0, memoryMB: 0 },
  sampler: {
    method: 'spgd',
    params: {},
    seed: 0,
    steps: 10,
    nfe: { forward: 30, vjp: 30 },
    height: 64,
    width: 64,
    model: 'default',
    flops: 1.15e9,
    guidance: 'fused',
    task: CALIBRATION_TASK,
    secondsPerForward: 0,
  },
};
const plan = { steps: [step], models: ['default'] };
const models = { default: { url: '/models/spgd-prior-v1.onnx', sha256: 'abc', bytes: 14e6 } };

describe('browser estimate after the calibration', () => {
  beforeEach(() => {
    vi.stubGlobal('localStorage', memoryStorage());
    const t = new Throughput(emptyThroughput('browser-wasm'));
    t.recordNetwork('default', PX, 1.15e9, { forward: 0.04, fused: 0.13, pullback: 0.18 });
    t.recordLoad('default', 3);
    saveBrowserThroughput('wasm', t);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('prices the first run warm, and learning from it keeps the next estimate at its real time', () => {
    const cold = browserEstimate(plan, 'wasm', models)!;
    expect(cold.load).toBe(3);
    expect(cold.download).toBeGreaterThan(0);
    expect(coldModels('wasm', plan)).toEqual(['default']);

    markCalibrated('wasm', 'default', [64], models);
    const warm = browserEstimate(plan, 'wasm', models)!;
    expect(warm.load).toBe(0);
    expect(warm.download).toBe(0);
    expect(coldModels('wasm', plan)).toEqual([]);
    const steady = estimateTime(plan, { throughput: loadBrowserThroughput('wasm')! }).seconds;
    expect(warm.seconds).toBeCloseTo(steady, 6);

    // The run took 1.3x its steady price; as a warm run, all of it is the sampler's.
    const real = 1.3 * steady;
    learnBrowserRun('wasm', plan, { nodeSeconds: { spgd: real }, coldModels: coldModels('wasm', plan) }, null);
    const next = browserEstimate(plan, 'wasm', models)!.seconds;
    expect(next / real).toBeGreaterThan(0.9);
    expect(next / real).toBeLessThan(1.1);
  });
});
