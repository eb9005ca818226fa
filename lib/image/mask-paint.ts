/**
 * Painting an inpainting mask by hand: a 0/1 plane at the photo's resolution (1 = kept,
 * 0 = missing, as the operators take it), brush strokes, rectangles, an undo history, and the
 * PNG it is saved as (white = kept, black = missing), read back with the same 0.5 grey threshold
 * the server applies (`greyPlane` then `maskFromArray`). Pure functions on plain data: the
 * editor's painter draws with them and the tests check them without a browser.
 *
 * Coordinates are continuous mask pixels: pixel (i, j) covers [i, i + 1) x [j, j + 1), so its
 * centre is (i + 0.5, j + 0.5).
 *
 * @example
 * let m = blankMask(170, 134);
 * m = stroke(m, [{ x: 10, y: 10 }, { x: 60, y: 12 }], 8, MISSING);  // an 8 px scratch
 * m = fillRect(m, { x: 100, y: 40 }, { x: 119, y: 59 }, MISSING);   // a 20x20 hole
 * const png = maskToPng(m);                                           // what gets uploaded
 */
import { SpgdError } from '../errors';
import type { Tensor } from '../tensor';
import { decodeImage } from './codec';
import { encodePng } from './png';
import type { RgbImage } from './types';

/** A mask being painted: `data[y * width + x]` is 1 (kept) or 0 (missing). */
export interface PaintMask {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export const KEPT = 1;
export const MISSING = 0;
export type MaskValue = typeof KEPT | typeof MISSING;

export interface Point {
  x: number;
  y: number;
}

/** Largest mask the painter makes (the server's default upload limit in pixels). */
export const MAX_PAINT_PIXELS = 16_000_000;

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new SpgdError('BAD_INPUT', `a mask is at least 1x1 whole pixels, got ${width}x${height}`);
  }
  if (width * height > MAX_PAINT_PIXELS) {
    throw new SpgdError('BAD_INPUT', `a ${width}x${height} mask is over the ${MAX_PAINT_PIXELS / 1e6} MP limit`);
  }
}

/** A mask that keeps every pixel (nothing painted yet). */
export function blankMask(width: number, height: number): PaintMask {
  checkSize(width, height);
  return { width, height, data: new Uint8Array(width * height).fill(KEPT) };
}

function copyMask(m: PaintMask): PaintMask {
  return { width: m.width, height: m.height, data: m.data.slice() };
}

/** Squared distance from (px, py) to the segment a-b. */
function segmentDistance2(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, ((px - a.x) * dx + (py - a.y) * dy) / len2));
  const ex = a.x + t * dx - px;
  const ey = a.y + t * dy - py;
  return ex * ex + ey * ey;
}

/**
 * Paints one brush segment into `target` in place (the painter's live stroke; `stroke` is the
 * pure form): every pixel whose centre is within `size / 2` of the segment, and every pixel the
 * segment itself passes through, so the pixel under the pointer is painted even by a 1 px brush
 * and a fast stroke has no gaps.
 */
export function drawSegment(target: PaintMask, a: Point, b: Point, size: number, value: MaskValue): void {
  const { width: w, height: h, data } = target;
  const r = Math.max(0, size / 2);
  const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x) - r));
  const x1 = Math.min(w - 1, Math.ceil(Math.max(a.x, b.x) + r));
  const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y) - r));
  const y1 = Math.min(h - 1, Math.ceil(Math.max(a.y, b.y) + r));
  const r2 = r * r;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) if (segmentDistance2(x + 0.5, y + 0.5, a, b) <= r2) data[y * w + x] = value;
  }
  // The pixels under the segment: samples a quarter pixel apart.
  const n = Math.max(1, Math.ceil(4 * Math.hypot(b.x - a.x, b.y - a.y)));
  for (let k = 0; k <= n; k++) {
    const x = Math.floor(a.x + ((b.x - a.x) * k) / n);
    const y = Math.floor(a.y + ((b.y - a.y) * k) / n);
    if (x >= 0 && x < w && y >= 0 && y < h) data[y * w + x] = value;
  }
}

/**
 * A brush stroke through `points` (one point is a dab) with a round brush `size` px across:
 * `MISSING` paints pixels missing, `KEPT` erases. Returns a new mask.
 */
export function stroke(mask: PaintMask, points: readonly Point[], size: number, value: MaskValue): PaintMask {
  const out = copyMask(mask);
  if (points.length === 0) return out;
  drawSegment(out, points[0], points[0], size, value);
  for (let i = 1; i < points.length; i++) drawSegment(out, points[i - 1], points[i], size, value);
  return out;
}

/** The pixel that contains a continuous point, clamped to the mask. */
export function pixelAt(mask: Pick<PaintMask, 'width' | 'height'>, p: Point): Point {
  return {
    x: Math.min(mask.width - 1, Math.max(0, Math.floor(p.x))),
    y: Math.min(mask.height - 1, Math.max(0, Math.floor(p.y))),
  };
}

/**
 * Sets every pixel of the rectangle whose opposite corner pixels are `a` and `b` (whole pixel
 * indices, both included, in any order; clamped to the mask). Returns a new mask.
 */
export function fillRect(mask: PaintMask, a: Point, b: Point, value: MaskValue): PaintMask {
  const out = copyMask(mask);
  const x0 = Math.max(0, Math.floor(Math.min(a.x, b.x)));
  const x1 = Math.min(mask.width - 1, Math.floor(Math.max(a.x, b.x)));
  const y0 = Math.max(0, Math.floor(Math.min(a.y, b.y)));
  const y1 = Math.min(mask.height - 1, Math.floor(Math.max(a.y, b.y)));
  for (let y = y0; y <= y1; y++) out.data.fill(value, y * mask.width + x0, y * mask.width + x1 + 1);
  return out;
}

export function missingCount(mask: PaintMask): number {
  let n = 0;
  for (const v of mask.data) if (v === MISSING) n++;
  return n;
}

/** [H, W] float32 of 1 (kept) and 0 (missing), the form `maskFromArray` checks. */
export function maskToTensor(mask: PaintMask): Tensor {
  return { shape: [mask.height, mask.width], data: Float32Array.from(mask.data) };
}

/** The mask as a picture: white = kept, black = missing. */
export function maskToImage(mask: PaintMask): RgbImage {
  const n = mask.width * mask.height;
  const data = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) if (mask.data[i] === KEPT) data.fill(255, 3 * i, 3 * i + 3);
  return { width: mask.width, height: mask.height, data };
}

/** The mask as the PNG that is uploaded (white = kept, black = missing). */
export function maskToPng(mask: PaintMask): Uint8Array {
  return encodePng(maskToImage(mask));
}

/** A picture as a mask: kept where its grey level (channel mean) is at least half way to white. */
export function maskFromImage(img: RgbImage): PaintMask {
  const n = img.width * img.height;
  const data = new Uint8Array(n);
  // mean(r, g, b) / 255 >= 0.5, in integers: r + g + b >= 382.5.
  for (let i = 0; i < n; i++) data[i] = img.data[3 * i] + img.data[3 * i + 1] + img.data[3 * i + 2] >= 383 ? KEPT : MISSING;
  return { width: img.width, height: img.height, data };
}

/**
 * A mask PNG (or JPEG) read back for painting; with `size`, one of another size is refused with
 * both sizes named (a mask must be exactly the photo's size).
 */
export function maskFromPng(bytes: Uint8Array, size?: { width: number; height: number }): PaintMask {
  const img = decodeImage(bytes, { maxPixels: MAX_PAINT_PIXELS });
  if (size && (img.width !== size.width || img.height !== size.height)) {
    throw new SpgdError('SHAPE_MISMATCH', `the mask is ${img.width}x${img.height} px but the photo is ${size.width}x${size.height} px`);
  }
  return maskFromImage(img);
}

// ------------------------------------------------------------------------------ history

/** Undo and redo over whole masks (a stroke or a rectangle is one step). */
export interface PaintHistory {
  readonly past: readonly PaintMask[];
  readonly present: PaintMask;
  readonly future: readonly PaintMask[];
}

/** Steps kept for undo; a 4 MP mask is 4 MB a step. */
export const PAINT_HISTORY_LIMIT = 40;

export function startHistory(mask: PaintMask): PaintHistory {
  return { past: [], present: mask, future: [] };
}

/** A new present after an edit; what could be redone is dropped. */
export function recordEdit(h: PaintHistory, next: PaintMask): PaintHistory {
  return { past: [...h.past, h.present].slice(-PAINT_HISTORY_LIMIT), present: next, future: [] };
}

export function undoEdit(h: PaintHistory): PaintHistory {
  const prev = h.past.at(-1);
  return prev ? { past: h.past.slice(0, -1), present: prev, future: [h.present, ...h.future] } : h;
}

export function redoEdit(h: PaintHistory): PaintHistory {
  const next = h.future.at(0);
  return next ? { past: [...h.past, h.present], present: next, future: h.future.slice(1) } : h;
}
