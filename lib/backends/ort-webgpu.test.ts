/**
 * onnxruntime-node's WebGPU execution provider on SwiftShader (a CPU Vulkan implementation):
 * the compiled VJP and fused guidance models must give what the CPU EP gives.
 *
 * Runs only with VK_ICD_FILENAMES pointing at an existing ICD file and a Vulkan loader on the
 * library path, e.g. (Debian's chromium ships both):
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json LD_LIBRARY_PATH=/usr/lib/chromium \
 *     npx vitest run lib/backends/ort-webgpu.test.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOLDEN_H, GOLDEN_W, goldenManifest, goldenModel, loadGoldenArray, relL2 } from '../../tests/support/golden';
import { webgpuSkipReason } from '../../tests/support/vulkan';
import { vpDenoiser } from '../diffusion/vp';
import { createOperator, OPERATORS, simulateMeasurement, TASKS } from '../operators';
import { Rng } from '../rng';
import { describedSquaredResidualLoss } from '../samplers/guidance/likelihood';
import { tensor } from '../tensor';
import { OrtEpsModel } from './ort-node';

const skipReason = webgpuSkipReason;

const manifest = goldenManifest;
const load = loadGoldenArray;
const golden = goldenModel();
const [H, W] = [GOLDEN_H, GOLDEN_W];


describe.skipIf(skipReason !== '')(`WebGPU EP on SwiftShader${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  // Undefined when loading failed (afterAll still runs).
  let gpu: OrtEpsModel | undefined;
  let cpu: OrtEpsModel | undefined;
  beforeAll(async () => {
    gpu = await OrtEpsModel.create(golden, { executionProviders: ['webgpu'], name: 'golden-webgpu' });
    cpu = await OrtEpsModel.create(golden, { name: 'golden-cpu' });
  });
  afterAll(async () => {
    await gpu?.release();
    await cpu?.release();
  });

  it('eps and the VJP match PyTorch and the CPU EP (<= 1e-4 relative)', async () => {
    const x = tensor([3, H, W], load(manifest.x.file));
    const v = tensor([3, H, W], load(manifest.v.file));
    const g = await gpu!.epsPullback(x, manifest.t, () => v);
    const c = await cpu!.epsPullback(x, manifest.t, () => v);
    const errs = {
      epsTorch: relL2(g.out.eps.data, load(manifest.eps.file)),
      vjpTorch: relL2(g.vjp.data, load(manifest.vjp.file)),
      epsCpu: relL2(g.out.eps.data, c.out.eps.data),
      vjpCpu: relL2(g.vjp.data, c.vjp.data),
    };
    console.log('webgpu golden:', JSON.stringify(Object.fromEntries(Object.entries(errs).map(([k, e]) => [k, +e.toExponential(2)]))));
    for (const e of Object.values(errs)) expect(e).toBeLessThan(1e-4);
  });

  it.each(TASKS.filter((task) => !OPERATORS[task].requires).map((task) => ({ task })))('fused guidance model, $task (64x64): same D, loss and g as the CPU EP', async ({ task }) => {
    const shape = [3, 64, 64];
    const op = createOperator(task, shape, {}, new Rng(4, 'operator'));
    const r = new Rng(5, 'webgpu-test');
    const y = simulateMeasurement(op, tensor(shape, r.normals(3 * 64 * 64)), 0.05, new Rng(6, 'measurement'));
    const x = tensor(shape, r.normals(3 * 64 * 64));
    const loss = describedSquaredResidualLoss(op, y);
    const a = await vpDenoiser(gpu!).denoiseWithGrad(x, 2.1, loss);
    const b = await vpDenoiser(cpu!).denoiseWithGrad(x, 2.1, loss);
    expect(a.residual).toBeDefined();
    const errs = [relL2(a.denoised.data, b.denoised.data), relL2(a.grad.data, b.grad.data), Math.abs(a.loss / b.loss - 1)];
    console.log(`webgpu fused ${task}: D ${errs[0].toExponential(2)}, g ${errs[1].toExponential(2)}, loss ${errs[2].toExponential(2)}`);
    for (const e of errs) expect(e).toBeLessThan(1e-4);
  });
});
