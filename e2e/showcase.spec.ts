/**
 * The built-in default preset (SPGD warm-started from the classical estimate, the mean of K
 * samples, random inpainting, shipped prior) run end to end, with the screenshots the README
 * shows (e2e/artifacts/*.png).
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { artifact, waitForRunStatus } from './helpers';

async function dockBox(page: Page) {
  const b = (await page.getByTestId('dock').boundingBox())!;
  return { x: Math.round(b.x), y: Math.round(b.y), width: Math.round(b.width), height: Math.round(b.height) };
}

test('the default preset runs: result, step timeline, inspector and angle charts', async ({ page }) => {
  // K = 4 chains at 128 px: about a minute on an idle 2-core machine, several on a loaded one.
  test.setTimeout(600_000);
  await page.goto('/');
  await expect(page.getByTestId('node-spgd')).toBeVisible();
  await expect(page.getByTestId('plan-summary')).toBeVisible();

  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).not.toHaveAttribute('data-status', 'idle');
  expect(await waitForRunStatus(page, ['finished', 'error', 'cancelled'], 540_000)).toBe('finished');
  // All K chains' steps: 'step n/n'.
  await expect(page.getByTestId('run-steps')).toHaveText(/^step (\d+)\/\1$/);

  await page.getByTestId('tab-result').click();
  await expect(page.getByTestId('result-image')).toBeVisible();
  await expect(page.getByTestId('result-gt').locator('img')).toBeVisible();
  await expect(page.getByTestId('result-measurement').locator('img')).toBeVisible();
  // The mean of K samples comes with its uncertainty map and the heat scale's legend.
  await expect(page.getByTestId('result-uncertainty').locator('img')).toBeVisible();
  await expect(page.getByTestId('result-uncertainty').getByTestId('heat-legend')).toBeVisible();
  await page.mouse.move(0, 0);
  await artifact(page, 'editor-finished-run');

  await page.getByTestId('tab-timeline').click();
  await expect(page.getByTestId('timeline-D').locator('img')).toBeVisible();
  await page.getByTestId('timeline-scrubber').fill('3');
  await expect(page.getByTestId('timeline-g').locator('img')).toBeVisible();
  await expect(page.getByTestId('timeline-residual').locator('img')).toBeVisible();
  await artifact(page, 'step-timeline', await dockBox(page));

  await page.getByTestId('handle-sim-out-measurement').click();
  await expect(page.getByTestId('inspector-image')).toBeVisible();
  await page.getByTestId('inspector-zoom-2').click();
  await artifact(page, 'inspector', await dockBox(page));

  await page.getByTestId('tab-angles').click();
  // The first chain's steps (a warm start runs the steps below sigma_start).
  await expect(page.getByTestId('angle-steps')).toHaveText(/^\d+ steps traced$/);
  await artifact(page, 'angle-charts', await dockBox(page));
});
