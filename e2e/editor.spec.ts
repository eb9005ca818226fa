/**
 * Never losing work and the editing conveniences: the autosaved working graph after a reload
 * (with its unsaved marker), a wire dropped on a wired input replacing it, a wire dropped on empty
 * canvas adding a compatible node, groups, a refused import, and the run history's names and
 * "from cache".
 */
import { expect, test, type Page } from '@playwright/test';
import { edgeLocator, nodeIds, openFixture, selectNode, waitForRunStatus, wire } from './helpers';

async function centreOf(page: Page, testId: string) {
  const box = await page.getByTestId(testId).boundingBox();
  if (!box) throw new Error(`${testId} is not visible`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Waits until the working graph was kept in the browser after `since`. */
async function autosavedAfter(page: Page, since: number): Promise<void> {
  await expect.poll(async () => Number(await page.getByTestId('editor').getAttribute('data-autosaved-at'))).toBeGreaterThan(since);
}

test('the working graph survives a reload, with its unsaved marker', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  await expect(page.getByTestId('node-spgd')).toBeVisible();
  await expect(page.getByTestId('unsaved-marker')).toHaveCount(0);

  await selectNode(page, 'warm');
  await page.getByTestId('param-eta').fill('0.25');
  await page.getByTestId('graph-name').fill('my edited graph');
  const t0 = Date.now();
  await expect(page.getByTestId('unsaved-marker')).toBeVisible();
  await expect(page).toHaveTitle(/^● my edited graph/);
  await autosavedAfter(page, t0);

  await page.reload();
  await expect(page.getByTestId('node-warm')).toBeVisible();
  await expect(page.getByTestId('graph-name')).toHaveValue('my edited graph');
  await selectNode(page, 'warm');
  await expect(page.getByTestId('param-eta')).toHaveValue('0.25');
  // Still unsaved: it was kept, not saved.
  await expect(page.getByTestId('unsaved-marker')).toBeVisible();

  // Ctrl+S on a graph that is no user preset asks for a name; saving clears the marker.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+s');
  await expect(page.getByTestId('preset-name')).toBeFocused();
  await page.getByTestId('preset-name').fill(`e2e autosave ${Date.now()}`);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('unsaved-marker')).toHaveCount(0);
});

test('a wire dropped on a wired input replaces the old wire', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  await expect(edgeLocator(page, 'img', 'image', 'sim', 'image')).toHaveCount(1);
  // A second image source, then its output onto the simulate node's (wired) image input.
  await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('/');
  await page.getByTestId('add-node-search').fill('load image');
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await nodeIds(page)).includes('load-image')).toBe(true);
  await wire(page, 'load-image', 'image', 'sim', 'image');
  await expect(edgeLocator(page, 'load-image', 'image', 'sim', 'image')).toHaveCount(1);
  await expect(edgeLocator(page, 'img', 'image', 'sim', 'image')).toHaveCount(0);
  // One undo step brings the old wire back.
  await page.keyboard.press('Control+z');
  await expect(edgeLocator(page, 'img', 'image', 'sim', 'image')).toHaveCount(1);
  await expect(edgeLocator(page, 'load-image', 'image', 'sim', 'image')).toHaveCount(0);
});

test('a wire dropped on empty canvas offers only the nodes that take it, and wires the one chosen', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  const from = await centreOf(page, 'handle-spgd-out-image');
  const canvas = await page.getByTestId('canvas').boundingBox();
  if (!canvas) throw new Error('no canvas');
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 60, canvas.y + canvas.height - 60, { steps: 8 });
  await page.mouse.move(from.x + 80, canvas.y + canvas.height - 40, { steps: 4 });
  await page.mouse.up();

  const search = page.getByTestId('add-node-search');
  await expect(search).toBeFocused();
  await expect(page.getByTestId('add-node-hint')).toContainText('only nodes with a Image input');
  // A node with no Image input is not offered; one with an Image input is.
  await expect(page.getByTestId('add-node-option-spgd:sampler/schedule')).toHaveCount(0);
  await expect(page.getByTestId('add-node-option-spgd:output/save-image')).toBeVisible();
  await search.fill('save image');
  await page.keyboard.press('Enter');
  await expect(edgeLocator(page, 'spgd', 'image', 'save-image', 'image')).toHaveCount(1);
});

test('groups: a titled frame that moves its nodes and is kept with the graph', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  await selectNode(page, 'img');
  const op = await page.getByTestId('node-op').boundingBox();
  if (!op) throw new Error('no node op');
  await page.keyboard.down('Control');
  await page.mouse.click(op.x + 40, op.y + 10);
  await page.keyboard.up('Control');
  await page.keyboard.press('Control+g');
  const group = page.locator('[data-testid^="group-group-"]').first();
  await expect(group).toBeVisible();
  await expect(group).toHaveAttribute('data-members', /^(img op|op img)$/);

  // Rename it by double-clicking the title.
  const id = ((await group.getAttribute('data-testid')) ?? '').slice('group-'.length);
  await page.getByTestId(`group-title-${id}`).dblclick();
  await page.getByTestId(`group-title-input-${id}`).fill('inputs');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId(`group-title-${id}`)).toHaveText('inputs');

  // Dragging the frame by its title moves its members with it.
  const before = await page.getByTestId('node-img').boundingBox();
  const title = await centreOf(page, `group-title-${id}`);
  await page.mouse.move(title.x, title.y);
  await page.mouse.down();
  await page.mouse.move(title.x + 120, title.y + 80, { steps: 10 });
  await page.mouse.up();
  const after = await page.getByTestId('node-img').boundingBox();
  expect((after?.x ?? 0) - (before?.x ?? 0)).toBeGreaterThan(60);
  expect((after?.y ?? 0) - (before?.y ?? 0)).toBeGreaterThan(40);

  // The group is part of the document: it comes back after a reload.
  const t0 = Date.now();
  await autosavedAfter(page, t0 - 1);
  await page.waitForTimeout(600);
  await page.reload();
  await expect(page.getByTestId(`group-title-${id}`)).toHaveText('inputs');
  await expect(page.getByTestId(`group-${id}`)).toHaveAttribute('data-members', /^(img op|op img)$/);
});

test('importing a graph with an unknown node type is refused and keeps the canvas', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  await expect(page.getByTestId('node-spgd')).toBeVisible();
  const before = await nodeIds(page);
  const doc = {
    format: 'spgd-studio.graph',
    schemaVersion: 1,
    name: 'from elsewhere',
    nodes: { a: { type: 'spgd:other/thing', params: {} }, b: { type: 'spgd:input/load-image', params: {} } },
    edges: [],
  };
  await page.getByTestId('import-input').setInputFiles({ name: 'foreign.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
  const toast = page.getByTestId('toast').filter({ hasText: 'foreign.json' });
  await expect(toast).toHaveAttribute('data-kind', 'error');
  await expect(toast).toContainText("unknown node type 'spgd:other/thing' (node 'a')");
  await expect(page.getByTestId('toast').filter({ hasText: 'Imported' })).toHaveCount(0);
  expect(await nodeIds(page)).toEqual(before);
  await expect(page.getByTestId('graph-name')).not.toHaveValue('from elsewhere');
});

test('history names runs by their preset and changed params, and says "from cache" for a re-run', async ({ page }) => {
  await openFixture(page, 'empty');
  await page.getByTestId('side-tab-presets').click();
  await page.getByTestId('preset-load-builtin-spgd-inpaint-random').click();
  await expect(page.getByTestId('node-spgd')).toBeVisible();
  // Turned down so it runs in seconds: the analytic prior, 32 px, 6 steps.
  await selectNode(page, 'prior');
  await page.getByTestId('param-model').selectOption('gaussian');
  await selectNode(page, 'img');
  await page.getByTestId('param-size').fill('32');
  await selectNode(page, 'sched');
  await page.getByTestId('param-steps').fill('6');
  await selectNode(page, 'spgd');
  const seed = String(1 + Math.floor(Math.random() * 1e6));
  await page.getByTestId('param-seed').fill(seed);
  await page.keyboard.press('Escape');

  await page.getByTestId('run-button').click();
  expect(await waitForRunStatus(page, ['finished', 'error', 'cancelled'])).toBe('finished');
  await expect(page.getByTestId('run-from-cache')).toHaveCount(0);

  await page.getByTestId('side-tab-runs').click();
  const first = page.locator('[data-testid^="run-label-"]').first();
  await expect(first).toContainText('SPGD: random inpainting (80% missing) · ');
  await expect(first).toContainText('model=gaussian');
  await expect(first).toContainText('size=32');
  await expect(first).toContainText(`seed=${seed}`);

  // The same graph again: every node comes from the cache, and both places say so.
  await page.getByTestId('run-button').click();
  expect(await waitForRunStatus(page, ['finished', 'error', 'cancelled'])).toBe('finished');
  await expect(page.getByTestId('run-from-cache')).toBeVisible();
  await expect(page.locator('[data-testid^="run-row-"]').first()).toHaveAttribute('data-from-cache', 'true', { timeout: 15_000 });
  await expect(page.locator('[data-testid^="run-from-cache-"]').first()).toBeVisible();
});
