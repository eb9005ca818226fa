import { describe, expect, it } from 'vitest';
import { maskFromArray } from '../operators/user-data';
import { decodeImage } from './codec';
import { greyPlane, imageToTensor } from './convert';
import {
  blankMask,
  fillRect,
  KEPT,
  maskFromPng,
  maskToPng,
  maskToTensor,
  MISSING,
  missingCount,
  PAINT_HISTORY_LIMIT,
  pixelAt,
  recordEdit,
  redoEdit,
  startHistory,
  stroke,
  undoEdit,
  type PaintMask,
} from './mask-paint';
import { encodePng } from './png';

const at = (m: PaintMask, x: number, y: number) => m.data[y * m.width + x];

/** The mask as rows of '#' (missing) and '.' (kept), for readable expectations. */
function picture(m: PaintMask): string[] {
  const rows: string[] = [];
  for (let y = 0; y < m.height; y++) rows.push(Array.from(m.data.subarray(y * m.width, (y + 1) * m.width), (v) => (v === MISSING ? '#' : '.')).join(''));
  return rows;
}

describe('brush strokes', () => {
  it('a dab paints the pixels whose centres lie within half the brush size', () => {
    const m = stroke(blankMask(7, 7), [{ x: 3.5, y: 3.5 }], 3, MISSING);
    // Radius 1.5 around the centre of pixel (3, 3): the plus of distance 1 and the diagonals at 1.41.
    expect(picture(m)).toEqual(['.......', '.......', '..###..', '..###..', '..###..', '.......', '.......']);
  });

  it('a 1 px brush paints exactly the pixel under the pointer, even at its corner', () => {
    expect(missingCount(stroke(blankMask(5, 5), [{ x: 2.9, y: 1.1 }], 1, MISSING))).toBe(1);
    expect(at(stroke(blankMask(5, 5), [{ x: 2.9, y: 1.1 }], 1, MISSING), 2, 1)).toBe(MISSING);
    expect(missingCount(stroke(blankMask(5, 5), [{ x: 2, y: 2 }], 1, MISSING))).toBe(1);
  });

  it('a stroke is a connected line of the brush width, without gaps between far-apart points', () => {
    const m = stroke(blankMask(12, 5), [{ x: 0.5, y: 2.5 }, { x: 11.5, y: 2.5 }], 1, MISSING);
    expect(picture(m)).toEqual(['............', '............', '############', '............', '............']);
    const diagonal = stroke(blankMask(6, 6), [{ x: 0.2, y: 0.2 }, { x: 5.8, y: 5.8 }], 1, MISSING);
    for (let i = 0; i < 6; i++) expect(at(diagonal, i, i)).toBe(MISSING);
    const thick = stroke(blankMask(20, 9), [{ x: 2, y: 4.5 }, { x: 17, y: 4.5 }], 5, MISSING);
    // Rows 2..6 (centres within 2.5 of y = 4.5), columns from the rounded caps.
    for (let x = 2; x < 17; x++) for (let y = 0; y < 9; y++) expect(at(thick, x, y)).toBe(y >= 2 && y <= 6 ? MISSING : KEPT);
  });

  it('is clipped at the edges and leaves the input mask untouched', () => {
    const before = blankMask(4, 4);
    const m = stroke(before, [{ x: -3, y: -3 }, { x: 1, y: 1 }], 2, MISSING);
    expect(at(m, 0, 0)).toBe(MISSING);
    expect(missingCount(before)).toBe(0);
    expect(missingCount(stroke(before, [{ x: 40, y: 40 }], 4, MISSING))).toBe(0);
  });

  it('the eraser brings painted pixels back, and only those it covers', () => {
    const painted = fillRect(blankMask(8, 3), { x: 0, y: 0 }, { x: 7, y: 2 }, MISSING);
    const erased = stroke(painted, [{ x: 2.5, y: 1.5 }, { x: 4.5, y: 1.5 }], 1, KEPT);
    expect(picture(erased)).toEqual(['########', '##...###', '########']);
  });
});

describe('rectangles', () => {
  it('covers both corner pixels, in any drag direction, clamped to the mask', () => {
    const m = fillRect(blankMask(6, 5), { x: 4, y: 3 }, { x: 1, y: 1 }, MISSING);
    expect(picture(m)).toEqual(['......', '.####.', '.####.', '.####.', '......']);
    expect(missingCount(fillRect(blankMask(6, 5), { x: -10, y: 2 }, { x: 99, y: 2 }, MISSING))).toBe(6);
    expect(pixelAt(m, { x: 7.2, y: -1 })).toEqual({ x: 5, y: 0 });
  });
});

describe('undo history', () => {
  it('undoes and redoes whole edits; a new edit drops what could be redone', () => {
    const a = blankMask(3, 3);
    const b = stroke(a, [{ x: 0.5, y: 0.5 }], 1, MISSING);
    const c = fillRect(b, { x: 1, y: 1 }, { x: 2, y: 2 }, MISSING);
    let h = recordEdit(recordEdit(startHistory(a), b), c);
    expect(missingCount(h.present)).toBe(5);
    h = undoEdit(h);
    expect(h.present).toBe(b);
    h = undoEdit(undoEdit(h));
    expect(h.present).toBe(a);
    expect(undoEdit(h)).toBe(h);
    h = redoEdit(h);
    expect(h.present).toBe(b);
    h = recordEdit(h, blankMask(3, 3));
    expect(h.future).toHaveLength(0);
    expect(redoEdit(h)).toBe(h);
    expect(undoEdit(h).present).toBe(b);
  });

  it('keeps at most PAINT_HISTORY_LIMIT steps', () => {
    let h = startHistory(blankMask(2, 2));
    for (let i = 0; i < PAINT_HISTORY_LIMIT + 5; i++) h = recordEdit(h, blankMask(2, 2));
    expect(h.past).toHaveLength(PAINT_HISTORY_LIMIT);
  });
});

describe('mask PNG', () => {
  it('paint -> PNG -> the server reading (greyPlane, maskFromArray) gives the same 0/1 mask', () => {
    let m = stroke(blankMask(170, 134), [{ x: 10, y: 10 }, { x: 90, y: 70 }, { x: 150, y: 20 }], 6, MISSING);
    m = fillRect(m, { x: 100, y: 80 }, { x: 139, y: 119 }, MISSING);
    const png = maskToPng(m);
    const img = decodeImage(png);
    expect([img.width, img.height]).toEqual([170, 134]);
    const served = maskFromArray(greyPlane(imageToTensor(img)));
    expect(served.shape).toEqual([134, 170]);
    expect(Array.from(served.data)).toEqual(Array.from(maskToTensor(m).data));
    expect(maskFromPng(png, { width: 170, height: 134 })).toEqual(m);
  });

  it('reads grey levels with the server threshold and refuses a mask of another size', () => {
    const grey = encodePng({ width: 2, height: 1, data: Uint8Array.from([127, 128, 127, 128, 128, 128]) });
    // (127 + 128 + 127) / 3 < 127.5 is missing; 128 is kept, as greyPlane >= 0.5 says.
    expect(Array.from(maskFromPng(grey).data)).toEqual([MISSING, KEPT]);
    expect(Array.from(maskFromArray(greyPlane(imageToTensor(decodeImage(grey)))).data)).toEqual([0, 1]);
    expect(() => maskFromPng(grey, { width: 3, height: 1 })).toThrow(/the mask is 2x1 px but the photo is 3x1 px/);
  });

  it('refuses sizes that are not a mask', () => {
    expect(() => blankMask(0, 4)).toThrow(/at least 1x1/);
    expect(() => blankMask(5000, 5000)).toThrow(/MP limit/);
  });
});
