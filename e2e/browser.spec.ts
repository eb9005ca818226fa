/**
 * The browser backend: the same plan run by the server (onnxruntime-node, native float32
 * kernels) and in this tab (onnxruntime-web in a worker, wasm) gives the same restoration, the
 * browser run feeds the same result / inspector / timeline views, cancel works, and a WebGPU
 * run (SwiftShader, `--enable-unsafe-webgpu`) of a tiny network agrees with wasm
 * (e2e/browser-webgpu.spec.ts).
 *
 * Tolerances (measured: the console line "equivalence:"; on the 2-core dev box, shipped prior,
 * 32x32, 4 SPGD steps with 2 warm-up steps each: max |server - browser| = 7.6e-5 on the [-1, 1]
 * scale, PSNR 9.77368 vs 9.77374 dB, SSIM 0.188444 vs 0.188446): the sampler output's max
 * difference must stay below 5e-4 (wasm and native float32 kernels sum in different orders, and
 * SPGD feeds every step's result into the next, so the ~1e-6 differences of one forward grow over
 * the steps), PSNR within 0.01 dB, SSIM within 1e-4, and the NFE count equal.
 */
import { expect, test } from '@playwright/test';
import { maxAbsDiff, runOn, samplerImage } from './browserHelpers';
import { openFixture, runDivergingSpgd, waitForRunStatus } from './helpers';

test('the shipped prior gives the same result on the server and in the browser (wasm)', async ({ page }) => {
  test.setTimeout(400_000);
  await openFixture(page, 'browser-prior');
  await expect(page.getByTestId('backend-select')).toHaveValue('server');

  const server = await runOn(page, 'server');
  expect(server.backend ?? 'server').not.toMatch(/^browser/);
  const a = await samplerImage(page, server);

  const browser = await runOn(page, 'browser-wasm');
  await expect(page.getByTestId('run-backend')).toHaveText(/^browser · wasm ×\d+ threads?$/);
  expect(browser.runId).toMatch(/^browser-/);
  const b = await samplerImage(page, browser);

  const diff = maxAbsDiff(a, b);
  const sm = server.finished!.metrics;
  const bm = browser.finished!.metrics;
  console.log(
    `equivalence: max|server-browser| = ${diff.toExponential(3)}; PSNR ${sm.psnr?.toFixed(5)} vs ${bm.psnr?.toFixed(5)} dB; SSIM ${sm.ssim?.toFixed(6)} vs ${bm.ssim?.toFixed(6)}; backend ${browser.backend}`,
  );
  expect(diff).toBeLessThan(5e-4);
  expect(Math.abs(sm.psnr! - bm.psnr!)).toBeLessThan(0.01);
  expect(Math.abs(sm.ssim! - bm.ssim!)).toBeLessThan(1e-4);
  expect(browser.finished!.nfe).toEqual(server.finished!.nfe);

  // The browser run feeds the same views: result, inspector, timeline, angle charts.
  await page.getByTestId('tab-result').click();
  await expect(page.getByTestId('result-image')).toBeVisible();
  await expect(page.getByTestId('result-measurement').locator('img')).toBeVisible();
  await expect(page.getByTestId('metric-psnr')).toContainText('dB');
  await page.getByTestId('handle-spgd-out-image').click();
  await expect(page.getByTestId('inspector-target')).toHaveText('spgd.image');
  await expect(page.getByTestId('stat-shape')).toHaveText('[3, 32, 32]');
  await expect(page.getByTestId('inspector-image')).toBeVisible();
  await expect(page.getByTestId('inspector-histogram')).toBeVisible();
  await page.getByTestId('tab-timeline').click();
  await expect(page.getByTestId('timeline-D').locator('img')).toBeVisible();
  await page.getByTestId('tab-angles').click();
  await expect(page.getByTestId('angle-steps')).toHaveText('4 steps traced');

  // A second browser run reuses the open session and the model from Cache Storage.
  const cached = await page.evaluate(async () => (await caches.open('spgd-models')).keys().then((k) => k.map((r) => r.url)));
  expect(cached.some((u) => u.includes('/models/spgd-prior-v1.onnx'))).toBe(true);
});

test('a browser run can be cancelled, and errors land on their node', async ({ page }) => {
  test.setTimeout(300_000);
  // The shipped prior at 64x64, 100 steps: long enough to cancel between network calls.
  await openFixture(page, 'slow');
  await page.getByTestId('backend-select').selectOption('browser-wasm');
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-progress')).not.toHaveAttribute('data-step', '0', { timeout: 120_000 });
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'running');
  await page.getByTestId('cancel-button').click();
  expect(await waitForRunStatus(page, ['cancelled', 'finished', 'error'], 30_000)).toBe('cancelled');
  await expect(page.getByTestId('run-button')).toBeEnabled();

  // A diverging run is reported at the sampler, as on the server.
  await openFixture(page, 'gaussian-fast');
  await page.getByTestId('backend-select').selectOption('browser-wasm');
  await runDivergingSpgd(page);
  await expect(page.getByTestId('run-backend')).toContainText('browser');
});

test('Browser WebGPU without an adapter falls back to wasm with a visible note', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  const adapter = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    return !!(gpu && (await gpu.requestAdapter().catch(() => null)));
  });
  test.skip(adapter, 'this Chromium has a WebGPU adapter: the fallback cannot be seen (e2e/browser-webgpu.spec.ts covers WebGPU)');
  const s = await runOn(page, 'browser-webgpu');
  expect(s.finished!.metrics.psnr).toBeGreaterThan(0);
  await expect(page.getByTestId('run-backend')).toHaveText(/^browser · wasm ×\d+ threads?$/);
  await expect(page.getByTestId('run-note')).toContainText('no WebGPU adapter');
  await expect(page.getByTestId('run-on-server')).toHaveCount(0);
});
