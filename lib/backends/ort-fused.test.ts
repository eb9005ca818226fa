/**
 * The fused guidance path (one session run: D, ||A D - y||^2, its gradient and r) against the
 * unfused one (forward, TS loss, VJP model) on the golden TinyUNet, for every task, and SPGD
 * reaching it through vpDenoiser without being told.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { goldenModel, relL2 } from '../../tests/support/golden';
import { vpDenoiser } from '../diffusion/vp';
import { createOperator, OPERATORS, simulateMeasurement, TASKS } from '../operators';
import type { LinearOperator } from '../operators/types';
import { Rng } from '../rng';
import { createSpgd } from '../samplers/spgd';
import { runEnsemble } from '../samplers/ensemble';
import type { PriorHandles } from '../samplers/types';
import { runSampler } from '../samplers/run';
import { describedSquaredResidualLoss, residual } from '../samplers/guidance/likelihood';
import { tensor, type Tensor } from '../tensor';
import { OrtEpsModel } from './ort-node';

const golden = goldenModel();
/** The tasks whose operators are drawn at random (the others are built from the user's mask or kernel). */
const DRAWN = TASKS.filter((task) => !OPERATORS[task].requires);


function image(shape: number[], seed: number, scale: number): Tensor {
  const r = new Rng(seed, 'ort-fused-test');
  return tensor(shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * Math.tanh(r.normal())));
}

describe('fused guidance model vs the unfused path (golden TinyUNet, 64x64)', () => {
  let prior: OrtEpsModel;
  beforeAll(async () => {
    // Room for every operator kind's model (the default LRU keeps 4), so the sharing check below sees them all.
    prior = await OrtEpsModel.create(golden, { name: 'golden', maxCachedSizes: 8 });
  });
  afterAll(async () => prior.release());

  // Operators built from user data (inpaint, blur) are checked through their examples in onnx-form.test.ts.
  it.each(DRAWN.map((task) => ({ task })))('$task: D, loss, g and r agree (<= 1e-4 relative)', async ({ task }) => {
    const shape = [3, 64, 64];
    const op = createOperator(task, shape, {}, new Rng(11, 'operator'));
    const y = simulateMeasurement(op, image(shape, 1, 0.9), 0.05, new Rng(2, 'measurement'));
    const sigma = 1.7;
    const x = image(shape, 3, 2);
    const loss = describedSquaredResidualLoss(op, y);
    const pullback = vi.spyOn(prior, 'epsPullback');
    const fused = await vpDenoiser(prior).denoiseWithGrad(x, sigma, loss);
    expect(pullback).not.toHaveBeenCalled();
    pullback.mockRestore();
    const plain = await vpDenoiser(prior, { fuse: false }).denoiseWithGrad(x, sigma, loss);
    expect(plain.residual).toBeUndefined();
    const errD = relL2(fused.denoised.data, plain.denoised.data);
    const errG = relL2(fused.grad.data, plain.grad.data);
    const errL = Math.abs(fused.loss - plain.loss) / plain.loss;
    const errR = relL2(fused.residual!.data, residual(op, plain.denoised, y).data);
    console.log(`${task}: rel err D ${errD.toExponential(2)}, g ${errG.toExponential(2)}, loss ${errL.toExponential(2)}, r ${errR.toExponential(2)}`);
    expect(fused.residual!.shape).toEqual([...op.outShape]);
    expect(errD).toBeLessThan(1e-4);
    expect(errG).toBeLessThan(1e-4);
    expect(errL).toBeLessThan(1e-4);
    expect(errR).toBeLessThan(1e-4);
  });

  it('compiles one model per operator kind and size (both inpaintings share one)', () => {
    const keys = Object.keys(prior.guidanceReports()).sort();
    // One per task but the two inpaintings (same key) and the blurs (one separable, one not).
    expect(keys).toHaveLength(DRAWN.length - 1);
    expect(keys.filter((k) => k.startsWith('blur:'))).toHaveLength(1);
    expect(keys).toContain('blur-sep:18,42,18,42/61x61:3x64x64');
    expect(keys).toContain('mask:3x64x64');
    expect(keys).toContain('sr-x4:3x64x64');
    expect(keys).toContain('sr-x2:3x64x64');
    const rep = prior.guidanceReports()['mask:3x64x64']!;
    expect(rep.backwardNodes).toBeGreaterThan(0);
    expect(rep.outChannels).toBe(6);
  });

  it('falls back to epsPullback for an operator without an ONNX form, or without a description', async () => {
    const shape = [3, 32, 32];
    const base = createOperator('inpaint-random', shape, {}, new Rng(1, 'operator'));
    // An operator of the user's own without an ONNX form.
    const custom: LinearOperator = { ...base, onnxForm: undefined };
    const y = simulateMeasurement(base, image(shape, 4, 0.9), 0.05, new Rng(2, 'measurement'));
    const x = image(shape, 5, 1);
    const pullback = vi.spyOn(prior, 'epsPullback');
    const a = await vpDenoiser(prior).denoiseWithGrad(x, 0.8, describedSquaredResidualLoss(custom, y));
    expect(pullback).toHaveBeenCalledTimes(1);
    const plainLoss = (d: Tensor) => describedSquaredResidualLoss(base, y)(d);
    const b = await vpDenoiser(prior).denoiseWithGrad(x, 0.8, plainLoss);
    expect(pullback).toHaveBeenCalledTimes(2);
    pullback.mockRestore();
    expect(a.residual).toBeUndefined();
    expect(relL2(a.grad.data, b.grad.data)).toBeLessThan(1e-6);
  });

  it('SPGD uses the fused model automatically and matches the unfused run', async () => {
    const shape = [3, 32, 32];
    const op = createOperator('gaussian-blur', shape, {}, new Rng(5, 'operator'));
    const y = simulateMeasurement(op, image(shape, 6, 0.9), 0.05, new Rng(7, 'measurement'));
    const run = async (fuse: boolean) => {
      const pullback = vi.spyOn(prior, 'epsPullback');
      const fused = vi.spyOn(prior, 'fusedVpLossGrad');
      const sampler = createSpgd(vpDenoiser(prior, { fuse }), { steps: 3, warmup: 2, eta: 0.05 });
      const res = await runSampler(sampler, { operator: op, measurement: y, rng: new Rng(8, 'sampler') });
      const calls = { pullback: pullback.mock.calls.length, fused: fused.mock.calls.length };
      pullback.mockRestore();
      fused.mockRestore();
      return { res, calls };
    };
    const a = await run(true);
    const b = await run(false);
    expect(a.calls).toEqual({ pullback: 0, fused: 6 });
    expect(b.calls).toEqual({ pullback: 6, fused: 0 });
    expect(a.res.nfe).toEqual(b.res.nfe);
    expect(relL2(a.res.sample.data, b.res.sample.data)).toBeLessThan(1e-4);
  });

  it.each((['inpaint-random', 'gaussian-blur', 'sr-x4'] as const).map((task) => ({ task })))(
    '$task: a batch of 3 gives each image what its single call gives (eps, D, loss, g, r <= 1e-5 relative)',
    async ({ task }) => {
      const shape = [3, 64, 64];
      const op = createOperator(task, shape, {}, new Rng(11, 'operator'));
      const y = simulateMeasurement(op, image(shape, 1, 0.9), 0.05, new Rng(2, 'measurement'));
      const xs = [image(shape, 21, 2), image(shape, 22, 1), image(shape, 23, 0.5)];
      const s = { sigma: 1.3, cIn: 1 / Math.sqrt(1 + 1.3 ** 2), t: 400 };
      const loss = describedSquaredResidualLoss(op, y).description;
      const batch = (await prior.fusedVpLossGradBatch(xs, s, loss))!;
      const epsBatch = await prior.epsBatch(xs, s.t);
      expect(batch).toHaveLength(3);
      for (let k = 0; k < 3; k++) {
        const one = (await prior.fusedVpLossGrad(xs[k], s, loss))!;
        expect(relL2(batch[k].denoised.data, one.denoised.data)).toBeLessThan(1e-5);
        expect(relL2(batch[k].grad.data, one.grad.data)).toBeLessThan(1e-5);
        expect(relL2(batch[k].residual!.data, one.residual!.data)).toBeLessThan(1e-5);
        expect(Math.abs(batch[k].loss - one.loss) / one.loss).toBeLessThan(1e-5);
        expect(relL2(epsBatch[k].eps.data, (await prior.eps(xs[k], s.t)).eps.data)).toBeLessThan(1e-5);
      }
      // The images differ, so their losses do: the batch does not hand one image's loss to all.
      expect(batch[0].loss).not.toBeCloseTo(batch[1].loss, 3);
    },
  );

  it('SPGD mean of 3 in lockstep (one fused run per warm-up step for all chains) matches the chains run one by one', async () => {
    const shape = [3, 32, 32];
    const op = createOperator('motion-blur', shape, {}, new Rng(5, 'operator'));
    const y = simulateMeasurement(op, image(shape, 6, 0.9), 0.05, new Rng(7, 'measurement'));
    // Spy before vpDenoiser binds the model's methods.
    const batchCalls = vi.spyOn(prior, 'fusedVpLossGradBatch');
    const handles: PriorHandles = { eps: prior, denoiser: vpDenoiser(prior) };
    const create = (p: PriorHandles | null) => createSpgd(p!.denoiser, { steps: 3, warmup: 2, eta: 0.05 });
    const together = await runEnsemble(create, handles, { operator: op, measurement: y }, 8, 3);
    const sizes = batchCalls.mock.calls.map(([xs]) => xs.length);
    batchCalls.mockRestore();
    expect(sizes).toEqual([3, 3, 3, 3, 3, 3]);
    const apart = await runEnsemble(create, handles, { operator: op, measurement: y }, 8, 3, { lockstep: false });
    for (let k = 0; k < 3; k++) expect(relL2(together.samples[k].data, apart.samples[k].data)).toBeLessThan(1e-4);
    expect(together.nfe).toEqual(apart.nfe);
  });
});
