/**
 * The onnxruntime-web backend under Node (wasm execution provider; no WebGPU here): the same
 * golden numbers as the Node backend, through the shared session code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLDEN_H, GOLDEN_W, goldenManifest, goldenModel, loadGoldenArray, relL2 } from '../../tests/support/golden';
import { vpDenoiser } from '../diffusion/vp';
import { createOperator, simulateMeasurement } from '../operators';
import { Rng } from '../rng';
import { describedSquaredResidualLoss } from '../samplers/guidance/likelihood';
import { tensor } from '../tensor';
import { OrtEpsModel } from './ort-node';
import { configureOrtWeb, detectWebProviders, OrtWebEpsModel } from './ort-web';

const manifest = goldenManifest;
const load = loadGoldenArray;
const golden = goldenModel();
const [H, W] = [GOLDEN_H, GOLDEN_W];


describe('OrtWebEpsModel (onnxruntime-web, wasm, in Node)', () => {
  // Undefined when loading failed (afterAll still runs).
  let prior: OrtWebEpsModel | undefined;
  beforeAll(async () => {
    configureOrtWeb({ numThreads: 1 });
    prior = await OrtWebEpsModel.create(golden, { name: 'golden-web' });
  });
  afterAll(async () => prior?.release());

  it('picks wasm when there is no WebGPU adapter', async () => {
    expect(await detectWebProviders()).toEqual(['wasm']);
    expect(() => configureOrtWeb({ numThreads: 2 })).toThrow(/before the first session/);
  });

  it('eps and epsPullback match the PyTorch golden values', async () => {
    const x = tensor([3, H, W], load(manifest.x.file));
    const v = tensor([3, H, W], load(manifest.v.file));
    const { out, vjp } = await prior!.epsPullback(x, manifest.t, () => v);
    const eErr = relL2(out.eps.data, load(manifest.eps.file));
    const gErr = relL2(vjp.data, load(manifest.vjp.file));
    console.log(`web golden: eps rel L2 ${eErr.toExponential(2)}, vjp rel L2 ${gErr.toExponential(2)}`);
    expect(eErr).toBeLessThan(1e-5);
    expect(gErr).toBeLessThan(1e-4);
  });

  it('the fused guidance model gives what onnxruntime-node gives', async () => {
    const shape = [3, 64, 64];
    const op = createOperator('gaussian-blur', shape, {}, new Rng(1, 'operator'));
    const r = new Rng(2, 'web-test');
    const y = simulateMeasurement(op, tensor(shape, r.normals(3 * 64 * 64)), 0.05, new Rng(3, 'measurement'));
    const x = tensor(shape, r.normals(3 * 64 * 64));
    const loss = describedSquaredResidualLoss(op, y);
    const web = await vpDenoiser(prior!).denoiseWithGrad(x, 1.3, loss);
    expect(web.residual).toBeDefined();
    const node = await OrtEpsModel.create(golden);
    try {
      const ref = await vpDenoiser(node, { fuse: false }).denoiseWithGrad(x, 1.3, loss);
      expect(relL2(web.denoised.data, ref.denoised.data)).toBeLessThan(1e-4);
      expect(relL2(web.grad.data, ref.grad.data)).toBeLessThan(1e-4);
      expect(Math.abs(web.loss / ref.loss - 1)).toBeLessThan(1e-4);
    } finally {
      await node.release();
    }
  });
});
