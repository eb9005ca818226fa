/**
 * Running graphs on the server: progress, result, inspector, step timeline, gradient-angle
 * charts, saving the PNG (graph embedded) and dropping it back, and cancel.
 */
import { expect, test } from '@playwright/test';
import { edgeLocator, nodeIds, openFixture, runDivergingSpgd, selectNode, waitForRunStatus } from './helpers';

test('a graph runs to completion with progress, result and angle charts', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  await expect(page.getByTestId('node-spgd')).toBeVisible();
  // The compiled plan is ready before running.
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'idle');

  // A fresh seed, so the server computes the sampler instead of serving it from its cache.
  await selectNode(page, 'spgd');
  await page.getByTestId('param-seed').fill(String(1 + Math.floor(Math.random() * 1e6)));
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Enter');
  const final = await waitForRunStatus(page, ['finished', 'error', 'cancelled']);
  if (final !== 'finished') throw new Error(`run ended ${final}: ${await page.getByTestId('run-bar').innerText()}`);
  await expect(page.getByTestId('run-progress')).toHaveAttribute('data-steps', '12');
  await expect(page.getByTestId('run-progress')).toHaveAttribute('data-step', '12');
  await expect(page.getByTestId('run-steps')).toHaveText('step 12/12');
  await expect(page.getByTestId('run-backend')).toBeVisible();
  await expect(page.getByTestId('run-metrics')).toContainText('PSNR');

  // Result tab: ground truth, measurement, result and metrics.
  await page.getByTestId('tab-result').click();
  await expect(page.getByTestId('result-image')).toBeVisible();
  await expect(page.getByTestId('metric-psnr')).toContainText('dB');
  await expect(page.getByTestId('result-measurement').locator('img')).toBeVisible();
  await expect(page.getByTestId('node-result-save')).toBeVisible();

  // Gradient angles: one point per step on a shared step axis.
  await page.getByTestId('tab-angles').click();
  await expect(page.getByTestId('angle-charts')).toBeVisible();
  await expect(page.getByTestId('angle-steps')).toHaveText('12 steps traced');
  await expect(page.getByTestId('chart-angles').locator('.recharts-line-curve').first()).toBeVisible();
  await expect(page.getByTestId('chart-residual').locator('.recharts-line-curve')).toHaveCount(1);

  // Inspector: click the sampler's output port.
  await page.getByTestId('handle-spgd-out-image').click();
  await expect(page.getByTestId('inspector')).toBeVisible();
  await expect(page.getByTestId('inspector-target')).toHaveText('spgd.image');
  await expect(page.getByTestId('stat-shape')).toHaveText('[3, 32, 32]');
  await expect(page.getByTestId('stat-nan')).toHaveText('0');
  await expect(page.getByTestId('inspector-image')).toBeVisible();
  await expect(page.getByTestId('inspector-histogram')).toBeVisible();
  await page.getByTestId('inspector-channel').selectOption('0');
  await page.getByTestId('inspector-zoom-4').click();
  await expect(page.getByTestId('inspector-image')).toBeVisible();

  // Clicking a wire inspects what flows along it.
  await edgeLocator(page, 'sim', 'measurement', 'spgd', 'measurement').click({ force: true });
  await expect(page.getByTestId('inspector-target')).toHaveText('sim.measurement');
  await expect(page.getByTestId('stat-shape')).toHaveText('[3, 32, 32]');

  // Step timeline: captured snapshots of x, D, g, momentum and the residual.
  await page.getByTestId('tab-timeline').click();
  await expect(page.getByTestId('timeline-scrubber')).toBeVisible();
  await expect(page.getByTestId('timeline-D').locator('img')).toBeVisible();
  await page.getByTestId('timeline-scrubber').fill('0');
  await expect(page.getByTestId('timeline-step')).toContainText('step 0');
  await expect(page.getByTestId('timeline-g').locator('img')).toBeVisible();
});

test('the saved PNG carries the graph: dropping it restores the graph', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  await page.getByTestId('run-button').click();
  expect(await waitForRunStatus(page, ['finished', 'error', 'cancelled'])).toBe('finished');

  const download = page.waitForEvent('download');
  await page.getByTestId('save-image-button').click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('restored.png');
  const bytes = await (await import('node:fs/promises')).readFile(await file.path());
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');

  // Start from an empty graph, then drop the PNG on the canvas.
  await openFixture(page, 'empty');
  expect(await nodeIds(page)).toEqual([]);
  const dataTransfer = await page.evaluateHandle((b64) => {
    const bin = atob(b64);
    const arr = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) arr[i] = bin.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([arr], 'restored.png', { type: 'image/png' }));
    return dt;
  }, bytes.toString('base64'));
  await page.getByTestId('canvas').dispatchEvent('dragover', { dataTransfer });
  await page.getByTestId('canvas').dispatchEvent('drop', { dataTransfer });
  await expect(page.getByTestId('node-spgd')).toBeVisible();
  await expect(page.getByTestId('graph-name')).toHaveValue('e2e: SPGD, Gaussian prior, 12 steps');
  expect((await nodeIds(page)).sort()).toEqual(['adm', 'angles', 'img', 'metrics', 'op', 'prior', 'save', 'sched', 'sim', 'spgd', 'warm']);
});

test('a second run waits in the queue; cancel stops the running one', async ({ page, context }) => {
  await openFixture(page, 'slow');
  // A fresh seed: a cached sampler would finish at once.
  await selectNode(page, 'spgd');
  await page.getByTestId('param-seed').fill(String(1 + Math.floor(Math.random() * 1e6)));
  await page.getByTestId('run-button').click();
  await waitForRunStatus(page, ['running', 'queued', 'finished', 'error']);
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('run-progress')).not.toHaveAttribute('data-step', '0');

  // Another tab's run queues behind it, showing its position.
  const other = await context.newPage();
  await openFixture(other, 'gaussian-fast');
  await selectNode(other, 'spgd');
  await other.getByTestId('param-seed').fill(String(1 + Math.floor(Math.random() * 1e6)));
  await other.getByTestId('run-button').click();
  await expect(other.getByTestId('run-status')).toHaveAttribute('data-status', 'queued');
  await expect(other.getByTestId('run-queue')).toHaveText('(position 1)');

  await expect(page.getByTestId('cancel-button')).toBeEnabled();
  await page.getByTestId('cancel-button').click();
  expect(await waitForRunStatus(page, ['cancelled', 'finished', 'error'], 60_000)).toBe('cancelled');
  await expect(page.getByTestId('run-button')).toBeEnabled();
  await expect(page.getByTestId('cancel-button')).toBeDisabled();

  // The queued run goes next and finishes.
  expect(await waitForRunStatus(other, ['finished', 'error', 'cancelled'])).toBe('finished');
  await other.close();
});

test('a diverging run is reported at the node that caused it', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  await runDivergingSpgd(page);
  // The error stays on the node until a run succeeds.
  await page.getByTestId('param-eta').fill('1');
  await page.getByTestId('run-button').click();
  expect(await waitForRunStatus(page, ['finished', 'error', 'cancelled'])).toBe('finished');
  await expect(page.getByTestId('node-error-spgd')).toHaveCount(0);
});
