import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GaussianEpsModel } from '../lib/diffusion/gaussian-prior';
import { decodeImage, imageToTensor } from '../lib/image';
import { TASKS } from '../lib/operators/types';
import { estimateTime } from '../lib/plan/estimate';
import { emptyThroughput, Throughput } from '../lib/plan/throughput';
import { calibrate } from './calibrate';
import { restorationGraph } from './recipes';
import { compileGraph } from '../lib/plan/compile';
import { NODE_KIT } from './runs';

const groundTruth = imageToTensor(decodeImage(readFileSync(new URL('../public/samples/astronaut.png', import.meta.url))));

describe('calibrate', () => {
  it('measures each kind of network call, every operator, the per-step work and the opening, at each size', async () => {
    const t = new Throughput(emptyThroughput('server'));
    const parts: string[] = [];
    const model = new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' });
    const seconds = await calibrate(t, {
      load: () => Promise.resolve(model),
      groundTruth,
      model: 'gaussian',
      flops: (_m, s) => 30 * s.height * s.width,
      sizes: [32, 48],
      onPart: (p) => parts.push(p),
    });
    expect(seconds).toBeGreaterThan(0);
    expect(parts).toHaveLength(2);
    for (const px of [32 * 32, 48 * 48]) {
      const net = t.network('gaussian', px, 30 * px);
      expect(net?.forward).toBeGreaterThan(0);
      expect(net?.fused).toBeGreaterThan(0);
      expect(net?.pullback).toBeGreaterThan(0);
      expect(t.stepOverhead(px)).toBeGreaterThanOrEqual(0);
      expect(t.noiseDraw(px)).toBeGreaterThan(0);
      for (const task of TASKS) expect(t.operatorApply(task, px), task).toBeGreaterThan(0);
      for (const task of ['inpaint', 'sr-x4', 'gaussian-blur', 'blur']) expect(t.operatorPinv(task, px), task).toBeGreaterThan(0);
    }
    expect(t.load('gaussian')).toBeGreaterThanOrEqual(0);
    for (const kind of ['forward', 'fused', 'pullback'] as const) expect(t.compile('gaussian', kind), kind).toBeGreaterThanOrEqual(0);
    expect(t.calibrated).toBe(true);

    // Without the separate VJP call, it is priced from the fused one.
    const short = new Throughput(emptyThroughput('browser-wasm'));
    await calibrate(short, { load: () => Promise.resolve(model), groundTruth, model: 'gaussian', flops: () => 0, sizes: [32], pullback: false });
    const n = short.network('gaussian', 32 * 32, 0);
    expect(n?.pullback).toBeCloseTo(((n?.fused ?? 0) * 3.4) / 2.5, 9);
    expect(short.compile('gaussian', 'pullback')).toBe(short.compile('gaussian', 'fused'));

    // The table prices a plan of that model.
    const compiled = await compileGraph(restorationGraph({ task: 'inpaint-random', method: 'spgd', seed: 0, sigmaY: 0.05, model: 'gaussian', groundTruth: { source: 'sample:default', size: 32 } }), NODE_KIT, { throughput: t });
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
    expect(estimateTime(compiled.plan, { throughput: t }).seconds).toBeGreaterThan(0);
  });
});
