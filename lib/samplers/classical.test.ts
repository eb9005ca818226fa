import { describe, expect, it } from 'vitest';
import { psnr } from '../metrics';
import { createOperator, simulateMeasurement } from '../operators';
import { Rng } from '../rng';
import { tensor, type Tensor } from '../tensor';
import { bicubicUpsample } from '../operators/kernels/bicubic';
import { interpolationFill } from '../operators/kernels/interpolation-fill';
import { createSampler, runSampler } from './index';

/** A smooth test image in [-1, 1]. */
function smooth(h: number, w: number): Tensor {
  const d = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) d[c * h * w + i * w + j] = 0.6 * Math.sin(i / 6 + c) * Math.cos(j / 9);
  return tensor([3, h, w], d);
}

/** A linear ramp: harmonic, so interpolation fill recovers it from the box's border. */
function ramp(h: number, w: number): Tensor {
  const d = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) d[c * h * w + i * w + j] = 0.4 + 0.4 * (i / h) - 0.3 * (j / w);
  return tensor([3, h, w], d);
}

describe('classical baselines', () => {
  it('bicubic upsampling keeps constants and interpolates smooth images', () => {
    const flat = bicubicUpsample(tensor([3, 4, 5], new Float32Array(60).fill(0.25)));
    expect(flat.shape).toEqual([3, 16, 20]);
    for (const v of flat.data) expect(v).toBeCloseTo(0.25, 6);
    const gt = smooth(64, 64);
    const op = createOperator('sr-x4', gt.shape, {}, new Rng(0));
    expect(psnr(bicubicUpsample(op.forward(gt)), gt)).toBeGreaterThan(30);
  });

  it('interpolation fill keeps observed pixels and fills the rest from their neighbours', () => {
    const gt = smooth(48, 48);
    const op = createOperator('inpaint-random', gt.shape, {}, new Rng(1));
    const y = op.forward(gt);
    const x = interpolationFill(y, op.state.mask!, 200);
    const m = op.state.mask!.data;
    for (let p = 0; p < 48 * 48; p++) if (m[p] > 0.5) expect(x.data[p]).toBe(y.data[p]);
    expect(psnr(x, gt)).toBeGreaterThan(30);
    expect(psnr(y, gt)).toBeLessThan(20);
  });

  for (const task of ['gaussian-blur', 'motion-blur', 'inpaint-box', 'sr-x4'] as const) {
    it(`beats the raw measurement on ${task} through the sampler interface`, async () => {
      const gt = task === 'inpaint-box' ? ramp(64, 64) : smooth(64, 64);
      const op = createOperator(task, gt.shape, {}, new Rng(2));
      const y = simulateMeasurement(op, gt, 0.05, new Rng(3));
      const sampler = createSampler('classical', task, null, {});
      const { sample, nfe } = await runSampler(sampler, { operator: op, measurement: y, rng: new Rng(4), groundTruth: gt });
      expect(nfe).toEqual({ forward: 0, vjp: 0 });
      const baseline = task === 'sr-x4' ? 0 : psnr(y, gt);
      expect(psnr(sample, gt)).toBeGreaterThan(baseline + 1);
    });
  }
});
