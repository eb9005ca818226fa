/**
 * The browser backend on WebGPU: Chromium with `--enable-unsafe-webgpu` on SwiftShader (a CPU
 * Vulkan implementation; Debian's chromium ships its ICD). The golden TinyUNet (163k
 * parameters, tests/fixtures/onnx) is uploaded, then 3 SPGD steps at 32x32 run on wasm and on
 * WebGPU and must agree. Skipped, with the reason, when the browser offers no adapter.
 *
 * Measured on SwiftShader: max |wasm - WebGPU| = 2.5e-3 on the [-1, 1] scale, PSNR equal to
 * 1e-6 dB (the untrained TinyUNet's output is far from the image, and WebGPU's shader
 * reductions differ more from wasm's than native CPU kernels do). Tolerance: 5e-3, PSNR 0.05 dB.
 */
import { expect, test } from '@playwright/test';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { maxAbsDiff, runOn, samplerImage } from './browserHelpers';
import { openFixture } from './helpers';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--enable-unsafe-webgpu',
      '--enable-features=Vulkan',
      '--use-vulkan=swiftshader',
      '--use-webgpu-adapter=swiftshader',
      '--ignore-gpu-blocklist',
    ],
    env: { ...process.env, VK_ICD_FILENAMES: ICD, LD_LIBRARY_PATH: ['/usr/lib/chromium', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') },
  },
});

test('a tiny network on WebGPU agrees with wasm', async ({ page }) => {
  test.setTimeout(400_000);
  // The golden TinyUNet (163k parameters) as an upload: the fixture names it by sha256.
  const bytes = readFileSync('tests/fixtures/onnx/golden_unet.onnx');
  const sha = createHash('sha256').update(bytes).digest('hex');
  const up = await page.request.post('/api/trpc/models.upload', { data: { name: 'golden_unet.onnx', base64: bytes.toString('base64') } });
  expect(up.ok(), await up.text()).toBe(true);
  await openFixture(page, 'browser-tiny');
  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    return !!(gpu && (await gpu.requestAdapter()));
  });
  test.skip(!adapter, `no WebGPU adapter in this Chromium (SwiftShader ICD ${existsSync(ICD) ? 'present' : 'missing'} at ${ICD})`);

  const wasm = await runOn(page, 'browser-wasm');
  const a = await samplerImage(page, wasm);
  const gpu = await runOn(page, 'browser-webgpu', 350_000);
  await expect(page.getByTestId('run-backend')).toHaveText('browser · webgpu');
  const b = await samplerImage(page, gpu);
  const diff = maxAbsDiff(a, b);
  console.log(`webgpu: max|wasm-webgpu| = ${diff.toExponential(3)}; PSNR ${wasm.finished!.metrics.psnr} vs ${gpu.finished!.metrics.psnr}; sha ${sha.slice(0, 12)}`);
  expect(diff).toBeLessThan(5e-3);
  expect(Math.abs(wasm.finished!.metrics.psnr! - gpu.finished!.metrics.psnr!)).toBeLessThan(0.05);
});
