/** Presets: the default on first load, and save -> reload -> load again. */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { openFixture, selectNode } from './helpers';

/** Waits until the editor has written its working graph to the browser's storage after `since` (ms). */
async function waitForAutosave(page: Page, since: number): Promise<void> {
  await expect.poll(async () => Number(await page.getByTestId('editor').getAttribute('data-autosaved-at'))).toBeGreaterThan(since);
}

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
  const edited = Date.now();
  await page.getByTestId('param-steps').fill('4');
  await page.getByTestId('preset-name').fill(name);
  await page.getByTestId('preset-save').click();
  await expect(page.getByTestId('toast').filter({ hasText: `Saved preset “${name}”` })).toBeVisible();
  const row = page.locator(`[data-testid^="preset-"][data-name="${name}"]`);
  await expect(row).toBeVisible();

  // The working graph survives the reload once autosaved (written 400 ms after the last edit);
  // change it after the reload so that loading the preset shows.
  await waitForAutosave(page, edited);
  await page.reload();
  await expect(page.getByTestId('node-warm')).toBeVisible();
  await selectNode(page, 'warm');
  await expect(page.getByTestId('param-steps')).toHaveValue('4');
  await page.getByTestId('param-steps').fill('5');

  await row.locator('[data-testid^="preset-load-"]').click();
  await expect(page.getByTestId('toast').filter({ hasText: `Loaded “${name}”` })).toBeVisible();
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
