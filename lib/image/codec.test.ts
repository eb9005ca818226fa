import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { parseNpy } from '../io/npy';
import { Rng } from '../rng';
import { decodeImage, encodePng, readPngText, sniffImageFormat, type RgbImage } from './codec';

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../../tests/fixtures/images/${name}`, import.meta.url))));

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);


function randomImage(width: number, height: number, seed: number): RgbImage {
  const rng = new Rng(seed, 'codec-test');
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.int(256);
  return { width, height, data };
}

/** Runs `fn`, expects an SpgdError with `code`, and returns its message. */
function errorOf(fn: () => unknown, code = 'BAD_IMAGE'): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpgdError);
    expect((err as SpgdError).code).toBe(code);
    const message = (err as SpgdError).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected an error, none was thrown');
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
/** Offset of the first PNG chunk of `type` (its length field). */
function findChunk(png: Uint8Array, type: string): number {
  let at = 8;
  const view = new DataView(png.buffer, png.byteOffset);
  while (at < png.length) {
    if (String.fromCharCode(...png.subarray(at + 4, at + 8)) === type) return at;
    at += 12 + view.getUint32(at);
  }
  throw new Error(`no ${type} chunk`);
}
function fixCrc(png: Uint8Array, at: number): void {
  const view = new DataView(png.buffer, png.byteOffset);
  const len = view.getUint32(at);
  view.setUint32(at + 8 + len, crc32(png.subarray(at + 4, at + 8 + len)));
}

describe('PNG', () => {
  it('round-trips encode -> decode exactly, for several sizes', () => {
    for (const [w, h] of [[1, 1], [7, 3], [64, 48]]) {
      const img = randomImage(w, h, w * 100 + h);
      const back = decodeImage(encodePng(img));
      expect(back.width).toBe(w);
      expect(back.height).toBe(h);
      expect(bytesEqual(back.data, img.data)).toBe(true);
    }
  });

  it('decodes the astronaut fixture to the pixels PIL wrote', () => {
    const img = decodeImage(fixture('astronaut-64.png'));
    const expected = parseNpy(fixture('astronaut-64.rgb.npy'));
    expect(expected.shape).toEqual([64, 64, 3]);
    expect([img.width, img.height]).toEqual([64, 64]);
    expect(Array.from(img.data)).toEqual(Array.from(expected.data));
  });

  it('accepts an ArrayBuffer and a Uint8Array view with an offset', () => {
    const png = fixture('astronaut-64.png');
    const ref = decodeImage(png).data;
    const padded = new Uint8Array(png.length + 5);
    padded.set(png, 5);
    expect(decodeImage(padded.subarray(5)).data).toEqual(ref);
    expect(decodeImage(png.slice().buffer).data).toEqual(ref);
  });

  const variants = JSON.parse(new TextDecoder().decode(fixture('png/variants.json'))) as Record<
    string,
    { file: string; width: number; height: number; rgb: number[] }
  >;
  it.each(Object.keys(variants))('decodes the %s variant to the expected RGB', (name) => {
    const v = variants[name];
    const img = decodeImage(fixture(`png/${v.file}`));
    expect([img.width, img.height]).toEqual([v.width, v.height]);
    expect(Array.from(img.data)).toEqual(v.rgb);
  });

  it('covers every colour type and bit depth in the variants', () => {
    const names = Object.keys(variants);
    for (const n of ['grey1', 'grey2', 'grey4', 'grey8', 'grey16', 'greyalpha8', 'greyalpha16', 'rgb8', 'rgb16', 'rgba8', 'rgba16', 'palette1', 'palette2', 'palette4', 'palette8', 'rgb8-adam7']) {
      expect(names).toContain(n);
    }
  });

  it('refuses interlaced PNGs with packed samples with a clear message', () => {
    expect(errorOf(() => decodeImage(fixture('png/grey4-adam7.png')))).toMatch(/Adam7 interlacing with 4-bit samples/);
  });

  it('reports a truncated PNG', () => {
    const png = fixture('astronaut-64.png');
    expect(errorOf(() => decodeImage(png.subarray(0, png.length >> 1)))).toMatch(/^PNG is truncated: the IDAT chunk at byte \d+ needs/);
    expect(errorOf(() => decodeImage(png.subarray(0, png.length - 12)))).toMatch(/^PNG is truncated: .*without an IEND chunk/);
    expect(errorOf(() => decodeImage(png.subarray(0, 20)))).toMatch(/^PNG is truncated/);
  });

  it('reports corrupt bytes (CRC) and corrupt compressed data', () => {
    const png = fixture('astronaut-64.png').slice();
    const idat = findChunk(png, 'IDAT');
    png[idat + 100] ^= 0x5a;
    expect(errorOf(() => decodeImage(png))).toBe(`PNG is corrupt: CRC mismatch in the IDAT chunk at byte ${idat}`);
    // Same damage with a valid CRC: now the deflate stream itself is bad.
    const bytes = fixture('astronaut-64.png').slice();
    for (let i = 2; i < 40; i++) bytes[idat + 8 + i] = 0xff;
    fixCrc(bytes, idat);
    expect(errorOf(() => decodeImage(bytes))).toMatch(/^PNG is corrupt: its pixel data could not be decoded \(.+\)$/);
  });

  it('refuses an oversized header before decoding anything', () => {
    const ihdr = new Uint8Array([0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0x23, 0x28, 0, 0, 0x23, 0x28, 8, 2, 0, 0, 0, 0, 0, 0, 0]);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...ihdr]);
    fixCrc(png, 8);
    expect(errorOf(() => decodeImage(png))).toBe('image is 9000x9000 = 81.0 MP, more than the 16 MP limit');
    expect(errorOf(() => decodeImage(fixture('astronaut-64.png'), { maxPixels: 4000 }))).toBe(
      'image is 64x64 = 0.0041 MP, more than the 0.004 MP limit',
    );
    expect(decodeImage(fixture('astronaut-64.png'), { maxPixels: 4096 }).width).toBe(64);
  });

  it('round-trips text chunks (tEXt for Latin-1, iTXt for the rest)', () => {
    const graph = JSON.stringify({ nodes: [{ id: 'n1', label: 'Débruitage σ=0.05 ✓' }], edges: [] });
    const text = { 'spgd:graph': graph, Comment: 'café\x80\xff', Software: 'SPGD Studio' };
    const png = encodePng(randomImage(5, 4, 1), { text });
    expect(readPngText(png)).toEqual(text);
    expect(decodeImage(png).data).toEqual(randomImage(5, 4, 1).data);
    const ascii = new TextDecoder('latin1').decode(png);
    expect(ascii).toContain('iTXtspgd:graph');
    expect(ascii).toContain('tEXtComment');
  });

  it('reads tEXt written by another encoder as Latin-1', () => {
    expect(readPngText(fixture('png/rgb8-text.png'))).toEqual({ spgd: '{"a":1}', Comment: 'café \x80' });
    expect(readPngText(fixture('astronaut-64.png'))).toEqual({});
  });

  it('rejects invalid text keywords and non-PNG input to readPngText', () => {
    const img = randomImage(2, 2, 2);
    expect(errorOf(() => encodePng(img, { text: { '': 'x' } }), 'BAD_INPUT')).toMatch(/keyword "" is invalid/);
    expect(errorOf(() => encodePng(img, { text: { ' lead': 'x' } }), 'BAD_INPUT')).toMatch(/space/);
    expect(errorOf(() => encodePng(img, { text: { ['k'.repeat(80)]: 'x' } }), 'BAD_INPUT')).toMatch(/1 to 79/);
    expect(errorOf(() => encodePng(img, { text: { k: 'a\0b' } }), 'BAD_INPUT')).toMatch(/NUL/);
    expect(errorOf(() => readPngText(fixture('chelsea-444.jpg')))).toMatch(/not a PNG file/);
  });

  it('rejects a malformed RgbImage as a programming error', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Uint8Array(11) })).toThrow(RangeError);
  });
});

describe('JPEG', () => {
  /** Differences between our decode and PIL's (libjpeg-turbo) decode of the same file. */
  function compareWithPil(name: string) {
    const img = decodeImage(fixture(`${name}.jpg`));
    const pil = parseNpy(fixture(`${name}.pil.npy`));
    expect(pil.shape).toEqual([img.height, img.width, 3]);
    let max = 0;
    let sum = 0;
    let over2 = 0;
    for (let i = 0; i < img.data.length; i++) {
      const d = Math.abs(img.data[i] - pil.data[i]);
      max = Math.max(max, d);
      sum += d;
      if (d > 2) over2++;
    }
    return { max, mean: sum / img.data.length, over2: over2 / img.data.length };
  }

  // jpeg-js's IDCT is not libjpeg's islow: Y differs by at most 1, which the YCbCr -> RGB
  // matrix can turn into 3 on a few samples. The chroma upsampling and colour conversion
  // follow libjpeg exactly, which is what keeps the mean small (jpeg-js alone: 0.5 to 1.1).
  it.each(['chelsea-444', 'chelsea-420', 'chelsea-422', 'chelsea-adobe', 'astronaut-progressive'])(
    'decodes %s like PIL (max 3 levels, >2 on under 0.5% of samples, mean < 0.25)',
    (name) => {
      const { max, mean, over2 } = compareWithPil(name);
      expect(max).toBeLessThanOrEqual(3);
      expect(over2).toBeLessThan(0.005);
      expect(mean).toBeLessThan(0.25);
    },
  );

  it('decodes a greyscale JPEG like PIL (within 1 level) and replicates it to RGB', () => {
    const { max, mean } = compareWithPil('coffee-gray');
    expect(max).toBeLessThanOrEqual(1);
    expect(mean).toBeLessThan(0.1);
    const img = decodeImage(fixture('coffee-gray.jpg'));
    for (let i = 0; i < img.width * img.height; i++) {
      expect(img.data[3 * i + 1]).toBe(img.data[3 * i]);
      expect(img.data[3 * i + 2]).toBe(img.data[3 * i]);
    }
  });

  it('reports a truncated JPEG', () => {
    const jpg = fixture('chelsea-444.jpg');
    expect(errorOf(() => decodeImage(jpg.subarray(0, jpg.length - 300)))).toBe(
      'JPEG is truncated: its end-of-image marker (FF D9) is missing',
    );
    expect(errorOf(() => decodeImage(jpg.subarray(0, 40)))).toMatch(/^JPEG is truncated: the segment at byte \d+ needs/);
  });

  it('reports corrupt JPEG data', () => {
    const jpg = fixture('chelsea-444.jpg').slice();
    // Overwrite the first Huffman table definition with garbage.
    let dht = -1;
    for (let i = 2; i < jpg.length - 1; i++) {
      if (jpg[i] === 0xff && jpg[i + 1] === 0xc4) {
        dht = i;
        break;
      }
    }
    expect(dht).toBeGreaterThan(0);
    for (let i = dht + 5; i < dht + 21; i++) jpg[i] = 0xff;
    expect(errorOf(() => decodeImage(jpg))).toMatch(/^JPEG is corrupt: its image data could not be decoded \(.+\)$/);
    const garbage = new Uint8Array([0xff, 0xd8, 0xff, 0x00, 0x13, 0x37, 0x42]);
    expect(errorOf(() => decodeImage(garbage))).toMatch(/^JPEG is (corrupt|truncated)/);
  });

  it('refuses an oversized or unsupported frame header before decoding', () => {
    const jpg = fixture('chelsea-444.jpg').slice();
    let sof = -1;
    for (let i = 2; i < jpg.length - 1; i++) {
      if (jpg[i] === 0xff && jpg[i + 1] === 0xc0) {
        sof = i;
        break;
      }
    }
    expect(sof).toBeGreaterThan(0);
    const view = new DataView(jpg.buffer);
    view.setUint16(sof + 5, 9000); // height
    view.setUint16(sof + 7, 9000); // width
    expect(errorOf(() => decodeImage(jpg))).toBe('image is 9000x9000 = 81.0 MP, more than the 16 MP limit');
    jpg[sof + 1] = 0xc9;
    expect(errorOf(() => decodeImage(jpg))).toMatch(/^JPEG uses arithmetic coding, which is not supported/);
  });
});

describe('format sniffing', () => {
  it('names the format from the magic bytes', () => {
    expect(sniffImageFormat(fixture('astronaut-64.png'))).toBe('png');
    expect(sniffImageFormat(fixture('chelsea-444.jpg'))).toBe('jpeg');
    expect(sniffImageFormat(new TextEncoder().encode('GIF89a'))).toBeNull();
  });

  it('rejects GIF, other formats and empty input with a readable message', () => {
    const gif = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0]);
    expect(errorOf(() => decodeImage(gif))).toBe(
      'not a PNG or JPEG file (starts with 0x47 0x49 0x46 0x38, which looks like a GIF file)',
    );
    expect(errorOf(() => decodeImage(new Uint8Array([1, 2, 3])))).toBe('not a PNG or JPEG file (starts with 0x01 0x02 0x03)');
    expect(errorOf(() => decodeImage(new Uint8Array(0)))).toBe('image file is empty (0 bytes)');
    const webp = new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 ');
    expect(errorOf(() => decodeImage(webp))).toMatch(/looks like a WebP file/);
  });
});
