/** Shared steps for the editor's end-to-end tests. Everything is selected by data-testid. */
import { expect, type Page } from '@playwright/test';
import { mkdirSync, statSync } from 'node:fs';

/** Opens the editor on a fixture graph (test-only route, e2e/fixtures/<name>.json) and waits until it is on the canvas. */
export async function openFixture(page: Page, name: string): Promise<void> {
  await page.goto(`/test/${name}`);
  await expect(page.getByTestId('editor')).toHaveAttribute('data-ready', 'true');
  await expect(page.getByTestId('canvas')).toBeVisible();
}

/** Adds a node through the search: '/', type, Enter. Returns the new node's id. */
export async function addNode(page: Page, query: string): Promise<string> {
  const before = await nodeIds(page);
  await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('/');
  const search = page.getByTestId('add-node-search');
  await expect(search).toBeFocused();
  await search.fill(query);
  await page.keyboard.press('Enter');
  await expect(search).toBeHidden();
  await expect.poll(async () => (await nodeIds(page)).length).toBe(before.length + 1);
  const after = await nodeIds(page);
  return after.find((id) => !before.includes(id))!;
}

export async function nodeIds(page: Page): Promise<string[]> {
  return page.locator('[data-testid^="node-"][data-node-type]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.slice('node-'.length)));
}

async function centre(page: Page, testId: string) {
  const box = await page.getByTestId(testId).boundingBox();
  if (!box) throw new Error(`${testId} is not visible`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags a node by its header so its top-left lands at (x, y) relative to the canvas. */
export async function moveNode(page: Page, id: string, x: number, y: number): Promise<void> {
  const canvas = (await page.getByTestId('canvas').boundingBox())!;
  const node = (await page.getByTestId(`node-${id}`).boundingBox())!;
  const grab = { x: node.x + 40, y: node.y + 10 };
  await page.mouse.move(grab.x, grab.y);
  await page.mouse.down();
  await page.mouse.move(canvas.x + x + 40, canvas.y + y + 10, { steps: 8 });
  await page.mouse.up();
}

/** Drags a wire from an output port to an input port. */
export async function wire(page: Page, from: string, fromPort: string, to: string, toPort: string): Promise<void> {
  const a = await centre(page, `handle-${from}-out-${fromPort}`);
  const b = await centre(page, `handle-${to}-in-${toPort}`);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 6 });
  await page.mouse.move(b.x, b.y, { steps: 6 });
  await page.mouse.up();
}

export function edgeCount(page: Page) {
  return page.locator('.react-flow__edge').count();
}

export function edgeLocator(page: Page, from: string, fromPort: string, to: string, toPort: string) {
  return page.locator(`.react-flow__edge[data-id="${from}.${fromPort}->${to}.${toPort}"]`);
}

/** Selects a node by clicking its header. */
export async function selectNode(page: Page, id: string): Promise<void> {
  const node = (await page.getByTestId(`node-${id}`).boundingBox())!;
  await page.mouse.click(node.x + 40, node.y + 10);
  await expect(page.getByTestId('params-node-id')).toHaveText(id);
}

/**
 * A screenshot for the README (e2e/artifacts/<name>.png); fails if it grows past 512 KB (the
 * finished default preset, with its 128 px noisy measurement and uncertainty map, is ~450 KB).
 */
export async function artifact(page: Page, name: string, clip?: { x: number; y: number; width: number; height: number }): Promise<void> {
  mkdirSync('e2e/artifacts', { recursive: true });
  const path = `e2e/artifacts/${name}.png`;
  await page.screenshot({ path, clip, animations: 'disabled', caret: 'hide' });
  const kb = statSync(path).size / 1024;
  expect(kb, `${path} is ${kb.toFixed(0)} KB`).toBeLessThan(512);
}

/** Waits until the current run reaches one of the given statuses. */
export async function waitForRunStatus(page: Page, statuses: string[], timeout = 120_000): Promise<string> {
  const status = page.getByTestId('run-status');
  await expect
    .poll(async () => (await status.getAttribute('data-status')) ?? '', { timeout, intervals: [250, 500, 1000] })
    .toMatch(new RegExp(`^(${statuses.join('|')})$`));
  return (await status.getAttribute('data-status'))!;
}

/**
 * Runs the open graph with SPGD's step size set to diverge (eta 100, 20 steps) and checks the
 * error is reported for the run and at the SPGD node.
 */
export async function runDivergingSpgd(page: Page): Promise<void> {
  await selectNode(page, 'warm');
  await page.getByTestId('param-eta').fill('100');
  await page.getByTestId('param-steps').fill('20');
  await page.getByTestId('run-button').click();
  expect(await waitForRunStatus(page, ['finished', 'error', 'cancelled'])).toBe('error');
  await expect(page.getByTestId('run-error')).toContainText('diverged');
  await expect(page.getByTestId('node-error-spgd')).toContainText('lower the step size');
}
