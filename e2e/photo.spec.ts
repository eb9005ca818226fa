/** Real photos: restore a photo you have (no ground truth), at its own size. */
import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { decodeImage } from '../lib/image/codec';
import { selectNode, waitForRunStatus } from './helpers';

test('a low-resolution photo uploaded into builtin-photo-sr-x4 comes back 4x larger as a PNG', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('preset-load-builtin-photo-sr-x4').click();
  await expect(page.getByTestId('graph-name')).toHaveValue(/super-resolution/);

  // The user's own photo: 38x29 px (not a multiple of the prior's stride), into the Load measurement node 'y'.
  await selectNode(page, 'y');
  await page.getByTestId('param-source-upload').setInputFiles('tests/fixtures/photos/lowres-38x29.png');
  await expect(page.getByTestId('param-source')).toHaveValue(/^sha256:[0-9a-f]{64}$/);
  await page.getByTestId('param-sigmaY-estimate').click();
  await expect(page.getByTestId('param-sigmaY-estimate-value')).toContainText('estimated');
  // Few steps keep the test short; the preset's own 50 are for real use.
  await selectNode(page, 'schedule');
  await page.getByTestId('param-steps').fill('4');
  await expect(page.locator('[data-testid^="node-error-"]')).toHaveCount(0);

  await page.getByTestId('run-button').click();
  expect(await waitForRunStatus(page, ['finished', 'error', 'cancelled'], 180_000)).toBe('finished');
  await page.getByTestId('tab-result').click();
  await expect(page.getByTestId('result-measurement').locator('img')).toBeVisible();
  await expect(page.getByTestId('result-full-size')).toContainText('152×116 px');
  await expect(page.getByTestId('metric-residual')).toContainText('noise floor');
  await expect(page.getByTestId('metric-psnr')).toHaveText('—');

  const download = page.waitForEvent('download');
  await page.getByTestId('save-image-button').click();
  const png = decodeImage(new Uint8Array(await readFile(await (await download).path())));
  expect([png.width, png.height]).toEqual([152, 116]);
});
