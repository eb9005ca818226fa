/** Building and editing graphs: add and wire nodes, refused wires, keyboard editing, compile errors. */
import { expect, test } from '@playwright/test';
import type { GraphDocument } from '../lib/graph/document';
import { addNode, edgeCount, edgeLocator, moveNode, openFixture, selectNode, wire, nodeIds } from './helpers';

test('builds a small graph by adding and wiring nodes', async ({ page }) => {
  await openFixture(page, 'empty');
  expect(await nodeIds(page)).toEqual([]);

  const img = await addNode(page, 'load image');
  await moveNode(page, img, 40, 40);
  const op = await addNode(page, 'degrade');
  await moveNode(page, op, 40, 260);
  const sim = await addNode(page, 'simulate');
  await moveNode(page, sim, 420, 120);
  expect([img, op, sim]).toEqual(['load-image', 'degrade', 'simulate']);

  await wire(page, img, 'image', sim, 'image');
  await expect(edgeLocator(page, img, 'image', sim, 'image')).toHaveCount(1);
  await wire(page, op, 'operator', sim, 'operator');
  await expect(edgeLocator(page, op, 'operator', sim, 'operator')).toHaveCount(1);
  expect(await edgeCount(page)).toBe(2);

  // The simulate node is complete now: no "not connected" problems on it.
  await expect(page.getByTestId(`node-error-${sim}`)).toHaveCount(0);

  // Its params panel is generated from the zod schema: a slider and a number field.
  await selectNode(page, sim);
  await expect(page.getByTestId('param-sigmaY-slider')).toBeVisible();
  await page.getByTestId('param-sigmaY').fill('0.1');
  await expect(page.getByTestId(`node-${sim}`)).toContainText('0.1');
});

test('a wrong wire is refused with its reason', async ({ page }) => {
  await openFixture(page, 'empty');
  const op = await addNode(page, 'degrade');
  await moveNode(page, op, 40, 60);
  const sim = await addNode(page, 'simulate');
  await moveNode(page, sim, 420, 60);

  // An Operator into the Clean image (Image) port.
  await wire(page, op, 'operator', sim, 'image');
  await expect(page.getByTestId('connection-error')).toBeVisible();
  await expect(page.getByTestId('connection-error')).toContainText("takes Image, not Operator");
  expect(await edgeCount(page)).toBe(0);

  // The right port is accepted.
  await wire(page, op, 'operator', sim, 'operator');
  await expect(edgeLocator(page, op, 'operator', sim, 'operator')).toHaveCount(1);
});

test('duplicate, copy/paste, delete and undo/redo from the keyboard', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  await expect(page.getByTestId('node-warm')).toBeVisible();
  const start = (await nodeIds(page)).length;

  await selectNode(page, 'warm');
  await page.keyboard.press('Control+d');
  await expect.poll(async () => (await nodeIds(page)).length).toBe(start + 1);
  expect(await nodeIds(page)).toContain('warmup');

  await page.keyboard.press('Control+c');
  await page.keyboard.press('Control+v');
  await expect.poll(async () => (await nodeIds(page)).length).toBe(start + 2);

  await page.keyboard.press('Delete');
  await expect.poll(async () => (await nodeIds(page)).length).toBe(start + 1);

  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await nodeIds(page)).length).toBe(start + 2);
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await expect.poll(async () => (await nodeIds(page)).length).toBe(start);
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(async () => (await nodeIds(page)).length).toBe(start + 1);
});

test('compile errors show on the right node', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  await expect(page.getByTestId('node-sched')).toBeVisible();
  // A valid graph has no problems anywhere.
  await expect(page.locator('[data-testid^="node-error-"]')).toHaveCount(0);

  // Out of range: sigma_min may be at most 10.
  await selectNode(page, 'sched');
  await page.getByTestId('param-sigmaMin').fill('50');
  await expect(page.getByTestId('node-error-sched')).toBeVisible();
  await expect(page.getByTestId('node-error-sched')).toContainText('sigmaMin');
  await expect(page.locator('[data-testid^="node-error-"]')).toHaveCount(1);

  // A missing wire is reported at the node that needs it.
  await page.getByTestId('param-sigmaMin').fill('0.1');
  await expect(page.getByTestId('node-error-sched')).toHaveCount(0);
  await edgeLocator(page, 'sim', 'measurement', 'spgd', 'measurement').click({ force: true });
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('node-error-spgd')).toContainText("input 'Measurement' is not connected");
  await expect(page.getByTestId('node-error-sched')).toHaveCount(0);

  // Running is refused with the problems still marked.
  await page.getByTestId('run-button').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'error');
  await expect(page.getByTestId('run-error')).toContainText('problem');
  await expect(page.getByTestId('node-error-spgd')).toBeVisible();
});

test('export the graph as JSON and import it again', async ({ page }) => {
  await openFixture(page, 'gaussian-fast');
  await expect(page.getByTestId('node-spgd')).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByTestId('export-button').click();
  const file = await download;
  const path = await file.path();
  const doc = JSON.parse(await (await import('node:fs/promises')).readFile(path, 'utf8')) as GraphDocument;
  expect(doc.format).toBe('spgd-studio.graph');
  expect(Object.keys(doc.nodes)).toHaveLength(11);
  expect(doc.ui.positions.spgd).toBeDefined();

  await openFixture(page, 'empty');
  await page.getByTestId('import-input').setInputFiles(path);
  await expect(page.getByTestId('node-spgd')).toBeVisible();
  expect((await nodeIds(page)).length).toBe(11);

  // A file that is not a graph is refused with a reason, and nothing is lost.
  await page.getByTestId('import-input').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') });
  await expect(page.getByTestId('toast').filter({ hasText: 'notes.json' })).toContainText('not an SPGD Studio graph');
  expect((await nodeIds(page)).length).toBe(11);
});
