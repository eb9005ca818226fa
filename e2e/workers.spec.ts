/**
 * The Workers panel on the embedded queue: the server's own runner, idle, then busy with the
 * run the editor started (marked as this one), then idle again after cancel.
 */
import { expect, test } from '@playwright/test';
import { openFixture, selectNode, waitForRunStatus } from './helpers';

test('the Workers panel shows the runner, busy with the current run', async ({ page }) => {
  await openFixture(page, 'slow');
  await page.getByTestId('side-tab-workers').click();
  await expect(page.getByTestId('queue-kind')).toHaveText('embedded queue (in the server)');
  const row = page.getByTestId('worker-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-worker', 'server');
  await expect(row).toContainText('cpu');

  await selectNode(page, 'spgd');
  await page.getByTestId('param-seed').fill(String(1 + Math.floor(Math.random() * 1e6)));
  await page.getByTestId('run-button').click();
  await waitForRunStatus(page, ['running', 'finished', 'error']);
  await expect(row).toHaveAttribute('data-busy', 'true');
  await expect(row).toContainText('(this one)');
  await expect(page.getByTestId('queue-counts')).toContainText('1 running');

  await page.getByTestId('cancel-button').click();
  expect(await waitForRunStatus(page, ['cancelled', 'finished', 'error'], 60_000)).toBe('cancelled');
  await expect(row).toHaveAttribute('data-busy', 'false');
});
