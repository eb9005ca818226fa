/** Presets: the default on first load, and save -> reload -> load again. */
import { expect, test } from '@playwright/test';
import { openFixture, selectNode } from './helpers';

test('first load shows the built-in SPGD inpaint-random preset, ready to run', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('node-spgd')).toBeVisible();
  await expect(page.getByTestId('graph-name')).toHaveValue(/random inpainting/i);
  await expect(page.locator('[data-testid^="node-error-"]')).toHaveCount(0);
  await expect(page.getByTestId('run-button')).toBeEnabled();
  await expect(page.getByTestId('presets-panel').getByTestId('preset-builtin').first()).toBeVisible();
});

test('save a preset, reload the page, load it again', async ({ page }) => {
  const name = `e2e preset ${Date.now()}`;
  await openFixture(page, 'gaussian-fast');
  await selectNode(page, 'warm');
  await page.getByTestId('param-steps').fill('4');
  await page.getByTestId('preset-name').fill(name);
  await page.getByTestId('preset-save').click();
  await expect(page.getByTestId('toast').filter({ hasText: `Saved preset “${name}”` })).toBeVisible();
  const row = page.locator(`[data-testid^="preset-"][data-name="${name}"]`);
  await expect(row).toBeVisible();

  // The working graph survives the reload (autosaved); change it so that loading the preset shows.
  await page.reload();
  await expect(page.getByTestId('node-warm')).toBeVisible();
  await selectNode(page, 'warm');
  await expect(page.getByTestId('param-steps')).toHaveValue('4');
  await page.getByTestId('param-steps').fill('5');

  await row.locator('[data-testid^="preset-load-"]').click();
  await expect(page.getByTestId('graph-name')).toHaveValue(name);
  await selectNode(page, 'warm');
  await expect(page.getByTestId('param-steps')).toHaveValue('4');

  // Saving the same name again asks before overwriting.
  await page.getByTestId('preset-name').fill(name);
  await page.getByTestId('preset-save').click();
  await expect(page.getByTestId('preset-overwrite-prompt')).toBeVisible();
  await page.getByTestId('preset-overwrite').click();
  await expect(page.getByTestId('toast').filter({ hasText: `Saved preset “${name}”` }).first()).toBeVisible();

  // Clean up: delete it (built-ins have no delete button).
  await row.hover();
  await row.locator('[data-testid^="preset-delete-"]').click();
  await row.locator('[data-testid^="preset-delete-confirm-"]').click();
  await expect(row).toHaveCount(0);
});
