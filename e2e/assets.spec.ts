/** Asset pickers: a sample or an uploaded image for Load image, the prior model list. */
import { expect, test } from '@playwright/test';
import { openFixture, selectNode, waitForRunStatus } from './helpers';

test('an uploaded image becomes the Load image source and runs', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  await selectNode(page, 'img');
  const source = page.getByTestId('param-source');
  await expect(source.locator('option', { hasText: 'coffee' })).toHaveCount(1);

  // A corrupt file is refused with the decoder's reason; the source is unchanged.
  await page.getByTestId('param-source-upload').setInputFiles({ name: 'broken.png', mimeType: 'image/png', buffer: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really')]) });
  await expect(page.getByTestId('toast').filter({ hasText: 'broken.png' })).toHaveAttribute('data-kind', 'error');
  await expect(source).toHaveValue('sample:default');

  await page.getByTestId('param-source-upload').setInputFiles('public/samples/coffee.png');
  await expect(source).toHaveValue(/^sha256:[0-9a-f]{64}$/);
  // The node names the upload by its file name, with its thumbnail.
  await expect(page.getByTestId('node-img')).toContainText('coffee.png');
  await expect(page.getByTestId('node-thumb-img')).toBeVisible();
  await expect(page.locator('[data-testid^="node-error-"]')).toHaveCount(0);

  await page.getByTestId('run-button').click();
  expect(await waitForRunStatus(page, ['finished', 'error', 'cancelled'])).toBe('finished');
  await page.getByTestId('tab-result').click();
  await expect(page.getByTestId('result-gt').locator('img')).toBeVisible();
});

test('the prior picker lists the shipped and the analytic prior', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  await selectNode(page, 'prior');
  const model = page.getByTestId('param-model');
  await expect(model).toHaveValue('gaussian');
  await expect(model.locator('option[value="default"]')).toHaveCount(1);
  await model.selectOption('default');
  await expect(page.getByTestId('node-prior')).toContainText('default');
});
