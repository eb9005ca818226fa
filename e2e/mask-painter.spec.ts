/**
 * Painting an inpainting mask over the user's own photo, restoring it, and the mask travelling
 * with the graph to a server whose data dir never saw the upload.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import type { GraphDocument } from '../lib/graph/document';
import { decodeImage, readPngText, type RgbImage } from '../lib/image/codec';
import { maskFromPng, MISSING, type PaintMask } from '../lib/image/mask-paint';
import { addNode, artifact, selectNode, waitForRunStatus } from './helpers';

const PHOTO = 'tests/fixtures/photos/chelsea-170x134.png';
const W = 170;
const H = 134;

/** Mean absolute difference (grey levels, over RGB) between two pictures on the pixels where `where` holds. */
function meanAbsDiff(a: RgbImage, b: RgbImage, where: (i: number) => boolean): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.width * a.height; i++) {
    if (!where(i)) continue;
    for (let c = 0; c < 3; c++) sum += Math.abs(a.data[3 * i + c] - b.data[3 * i + c]);
    n += 3;
  }
  return sum / n;
}

/** Drags the mouse over the painter's canvas between mask pixel coordinates. */
async function dragOnMask(page: Page, points: { x: number; y: number }[]): Promise<void> {
  const box = (await page.getByTestId('painter-canvas').boundingBox())!;
  const zoom = box.width / W;
  const at = (p: { x: number; y: number }) => ({ x: box.x + p.x * zoom, y: box.y + p.y * zoom });
  await page.mouse.move(at(points[0]).x, at(points[0]).y);
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(at(p).x, at(p).y, { steps: 8 });
  await page.mouse.up();
}

const missingText = (page: Page) => page.getByTestId('painter-missing').innerText();
const missingPx = async (page: Page) => Number((await missingText(page)).split(' ')[0]);

/** The production server (behind its gate, as `npm start` runs it) on another port with an empty data dir: a server that never saw the uploads. */
async function freshServer(port: number): Promise<{ url: string; dataDir: string; stop: () => void }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spgd-fresh-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server/http/serve.ts', '-p', String(port)], {
    env: { ...process.env, SPGD_DATA_DIR: dataDir, SPGD_TEST_ROUTES: '1', NEXT_TELEMETRY_DISABLED: '1' },
    stdio: 'ignore',
    detached: true,
  });
  const url = `http://localhost:${port}`;
  const stop = () => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(url)).ok) return { url, dataDir, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  stop();
  throw new Error(`the second server did not start on port ${port}`);
}

test('a mask painted over an uploaded photo is filled in, keeps the rest, and travels with the graph', async ({ page, browser, baseURL }) => {
  test.setTimeout(600_000);
  await page.goto('/');
  await page.getByTestId('preset-load-builtin-photo-inpaint').click();
  await expect(page.getByTestId('graph-name')).toHaveValue(/scratches/);

  await selectNode(page, 'y');
  await page.getByTestId('param-source-upload').setInputFiles(PHOTO);
  await expect(page.getByTestId('param-source')).toHaveValue(/^sha256:[0-9a-f]{64}$/);

  // The painter opens over the uploaded photo, starting from the preset's own mask.
  await page.getByTestId('node-paint-mask-mask').click();
  await expect(page.getByTestId('painter-photo')).toContainText(`${W}×${H} px`);
  await expect(page.getByTestId('painter-photo')).toContainText('y: chelsea-170x134.png');
  await expect.poll(() => missingPx(page)).toBeGreaterThan(0);
  await page.getByTestId('painter-clear').click();
  expect(await missingPx(page)).toBe(0);

  // A scratch with the brush, then a hole with the rectangle; undo and redo the hole.
  await page.getByTestId('painter-brush-size').fill('6');
  await dragOnMask(page, [{ x: 15, y: 20 }, { x: 60, y: 30 }, { x: 95, y: 22 }]);
  const afterStroke = await missingPx(page);
  expect(afterStroke).toBeGreaterThan(6 * 70);
  await page.getByTestId('painter-tool-rect').click();
  await dragOnMask(page, [{ x: 110.5, y: 70.5 }, { x: 139.5, y: 99.5 }]);
  expect(await missingPx(page)).toBe(afterStroke + 30 * 30);
  await page.getByTestId('painter-undo').click();
  expect(await missingPx(page)).toBe(afterStroke);
  await page.getByTestId('painter-redo').click();
  const painted = await missingPx(page);
  expect(painted).toBe(afterStroke + 30 * 30);
  await artifact(page, 'mask-painter');

  await page.getByTestId('painter-save').click();
  await expect(page.getByTestId('mask-painter')).toBeHidden();
  await expect(page.getByTestId('node-mask-thumb-mask')).toBeVisible();
  await selectNode(page, 'mask');
  const source = await page.getByTestId('param-source').inputValue();
  expect(source).toMatch(/^sha256:[0-9a-f]{64}$/);
  const sha = source.slice('sha256:'.length);

  // The uploaded PNG is the painted mask at the photo's size: the rectangle and the stroke missing.
  const maskPng = new Uint8Array(await (await page.request.get(`/api/assets/${sha}`)).body());
  const mask: PaintMask = maskFromPng(maskPng, { width: W, height: H });
  const missing = (i: number) => mask.data[i] === MISSING;
  expect(mask.data.filter((v) => v === MISSING).length).toBe(painted);
  expect(missing(85 * W + 125)).toBe(true);
  expect(missing(20 * W + 15)).toBe(true);
  expect(missing(120 * W + 20)).toBe(false);

  // Re-opening edits the saved mask.
  await page.getByTestId('node-paint-mask-mask').click();
  await expect.poll(() => missingPx(page)).toBe(painted);
  await page.getByTestId('painter-cancel').click();
  await expect(page.getByTestId('mask-painter')).toBeHidden();

  await selectNode(page, 'schedule');
  await page.getByTestId('param-steps').fill('4');
  await expect(page.locator('[data-testid^="node-error-"]')).toHaveCount(0);
  await page.getByTestId('run-button').click();
  expect(await waitForRunStatus(page, ['finished', 'error', 'cancelled'], 300_000)).toBe('finished');

  const download = page.waitForEvent('download');
  await page.getByTestId('save-image-button').click();
  const resultPng = new Uint8Array(readFileSync(await (await download).path()));
  const result = decodeImage(resultPng);
  const photo = decodeImage(new Uint8Array(readFileSync(PHOTO)));
  expect([result.width, result.height]).toEqual([W, H]);
  const kept = meanAbsDiff(result, photo, (i) => !missing(i));
  const filled = meanAbsDiff(result, photo, missing);
  console.log(`mean |result - photo|: kept pixels ${kept.toFixed(2)}, painted pixels ${filled.toFixed(2)} grey levels`);
  expect(kept).toBeLessThan(3);
  expect(filled).toBeGreaterThan(kept + 3);

  // The exported JSON and the result PNG carry the mask (and the small photo) themselves.
  const exported = page.waitForEvent('download');
  await page.getByTestId('export-button').click();
  const jsonPath = await (await exported).path();
  const doc = JSON.parse(readFileSync(jsonPath, 'utf8')) as GraphDocument;
  expect(doc.assets[sha].data).toBe(Buffer.from(maskPng).toString('base64'));
  expect((JSON.parse(readPngText(resultPng)['spgd-graph']) as GraphDocument).assets[sha].data).toBe(doc.assets[sha].data);

  // A server whose data dir never saw either upload: the imported graph compiles, shows and edits the mask.
  const port = Number(new URL(baseURL ?? 'http://localhost:3100').port) + 1;
  const fresh = await freshServer(port);
  try {
    const other = await browser.newPage();
    await other.goto(fresh.url);
    await expect(other.getByTestId('canvas')).toBeVisible();
    // The start-up graph first (it would replace a graph imported before it arrives).
    await expect(other.locator('[data-node-type]').first()).toBeVisible();
    await other.getByTestId('import-input').setInputFiles(jsonPath);
    await expect(other.getByTestId('graph-name')).toHaveValue(/scratches/);
    await expect(other.getByTestId('plan-summary')).toBeVisible();
    await expect(other.locator('[data-testid^="node-error-"]')).toHaveCount(0);
    expect(readFileSync(join(fresh.dataDir, 'images', `${sha}.png`))).toEqual(Buffer.from(maskPng));
    await expect(other.getByTestId('node-mask-thumb-mask')).toBeVisible();
    await other.getByTestId('node-paint-mask-mask').click();
    await expect(other.getByTestId('painter-photo')).toContainText(`y: chelsea-170x134.png · ${W}×${H} px`);
    await expect.poll(() => missingPx(other)).toBe(painted);
    await other.getByTestId('painter-cancel').click();

    // The result PNG, dropped on the same server, brings the same graph.
    await other.getByTestId('import-input').setInputFiles({ name: 'restored.png', mimeType: 'image/png', buffer: Buffer.from(resultPng) });
    await expect(other.getByTestId('toast').filter({ hasText: 'Imported restored.png' })).toBeVisible();
    await expect(other.getByTestId('plan-summary')).toBeVisible();
    await expect(other.locator('[data-testid^="node-error-"]')).toHaveCount(0);
    await other.close();
  } finally {
    fresh.stop();
  }
});

test('a mask node wired to no photo is painted on a blank canvas; keys act on the painter, not the graph', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('[data-node-type]').first()).toBeVisible();
  const id = await addNode(page, 'Load mask');
  await page.getByTestId(`node-paint-mask-${id}`).click();
  await expect(page.getByTestId('painter-photo')).toContainText('no photo wired · 256×256 px');
  await page.getByTestId('painter-blank-width').fill('40');
  await page.getByTestId('painter-blank-height').fill('30');
  await expect(page.getByTestId('painter-photo')).toContainText('40×30 px');

  // Nothing painted: the run's own check refuses it before anything is uploaded.
  await page.getByTestId('painter-save').click();
  await expect(page.getByTestId('painter-error')).toContainText('no pixel is missing');

  await page.getByTestId('painter-brush-size').fill('3');
  const box = (await page.getByTestId('painter-canvas').boundingBox())!;
  const zoom = box.width / 40;
  await page.mouse.click(box.x + 10.5 * zoom, box.y + 10.5 * zoom);
  expect(await page.getByTestId('painter-missing').innerText()).toMatch(/^9 px missing/);
  await page.keyboard.press('e');
  await expect(page.getByTestId('painter-tool-eraser')).toHaveClass(/bg-accent/);
  await page.mouse.click(box.x + 10.5 * zoom, box.y + 10.5 * zoom);
  expect(await page.getByTestId('painter-missing').innerText()).toMatch(/^0 px missing/);
  // Ctrl+Z undoes the eraser in the painter; the graph keeps its new node.
  await page.keyboard.press('Control+z');
  expect(await page.getByTestId('painter-missing').innerText()).toMatch(/^9 px missing/);
  await expect(page.getByTestId(`node-${id}`)).toHaveCount(1);

  await page.getByTestId('painter-save').click();
  await expect(page.getByTestId('mask-painter')).toBeHidden();
  await expect(page.getByTestId(`node-mask-thumb-${id}`)).toBeVisible();
  await selectNode(page, id);
  await expect(page.getByTestId('param-source')).toHaveValue(/^sha256:[0-9a-f]{64}$/);
});
