/**
 * Image files <-> 8-bit RGB, on plain bytes (no Node APIs), for the CLI, the server and the
 * browser alike. The format is sniffed from the magic bytes, never from a file name.
 *
 * - `decodeImage(bytes)`: PNG (every colour type and bit depth, see ./png.ts) or JPEG
 *   (baseline/progressive 8-bit, see ./jpeg.ts) to RGB. Grey images are replicated to three
 *   channels and alpha is dropped. The size limit is checked from the header before any
 *   pixel is decoded. Every failure is `SpgdError('BAD_IMAGE', <one sentence>)`.
 * - `encodePng(img, {text})`, `readPngText(bytes)`: PNG output with tEXt/iTXt metadata.
 *
 * @example
 * const img = decodeImage(bytes);                  // {width, height, data: RGB bytes}
 * const png = encodePng(img, { text: { 'spgd:graph': JSON.stringify(graph) } });
 * readPngText(png)['spgd:graph'];                  // the JSON back
 */
import { SpgdError } from '../errors';
import { decodeJpegRgb, hasJpegSignature } from './jpeg';
import { decodePngRgb, hasPngSignature } from './png';
import { DEFAULT_MAX_PIXELS, type DecodeOptions, type ImageFormat, type RgbImage } from './types';

export { encodePng, readPngText, type EncodePngOptions } from './png';
export { DEFAULT_MAX_PIXELS, type DecodeOptions, type ImageFormat, type RgbImage } from './types';

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  return input instanceof Uint8Array ? input : new Uint8Array(input);
}

/** 'png' or 'jpeg' from the first bytes, or null for anything else. */
export function sniffImageFormat(input: Uint8Array | ArrayBuffer): ImageFormat | null {
  const b = asBytes(input);
  if (hasPngSignature(b)) return 'png';
  if (hasJpegSignature(b)) return 'jpeg';
  return null;
}

/** Other formats people try, named in the error so the fix is obvious. */
function guessOtherFormat(b: Uint8Array): string | null {
  const ascii = (from: number, n: number) => String.fromCharCode(...b.subarray(from, from + n));
  if (ascii(0, 4) === 'GIF8') return 'a GIF';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') return 'a WebP';
  if (ascii(0, 2) === 'BM') return 'a BMP';
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return 'a TIFF';
  if (ascii(4, 4) === 'ftyp') return 'an HEIC/AVIF';
  if (b[0] === 0x93 && ascii(1, 5) === 'NUMPY') return 'a NumPy .npy array';
  if (ascii(0, 5) === '<?xml' || ascii(0, 4) === '<svg') return 'an SVG/XML';
  if (b[0] === 0xff && b[1] === 0xd8) return 'a damaged JPEG';
  if (b[0] === 0x89 && ascii(1, 3) === 'PNG') return 'a damaged PNG';
  return null;
}

function formatMp(pixels: number): string {
  const mp = pixels / 1e6;
  return mp >= 0.1 ? mp.toFixed(1) : String(Number(mp.toPrecision(2)));
}

function sizeChecker(maxPixels: number): (w: number, h: number) => void {
  return (w, h) => {
    if (w * h > maxPixels) {
      throw new SpgdError(
        'BAD_IMAGE',
        `image is ${w}x${h} = ${formatMp(w * h)} MP, more than the ${Number((maxPixels / 1e6).toPrecision(3))} MP limit`,
      );
    }
  };
}

/**
 * Decodes a PNG or JPEG file to 8-bit RGB.
 * @throws SpgdError('BAD_IMAGE') for empty, unknown, corrupt, truncated, unsupported or
 *   oversized (`w * h > maxPixels`, default 16 MP) input.
 */
export function decodeImage(input: Uint8Array | ArrayBuffer, options: DecodeOptions = {}): RgbImage {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels > 0)) throw new RangeError(`maxPixels must be positive, got ${maxPixels}`);
  const b = asBytes(input);
  if (b.length === 0) throw new SpgdError('BAD_IMAGE', 'image file is empty (0 bytes)');
  const check = sizeChecker(maxPixels);
  switch (sniffImageFormat(b)) {
    case 'png':
      return decodePngRgb(b, check);
    case 'jpeg':
      return decodeJpegRgb(b, check);
    default: {
      const head = Array.from(b.subarray(0, 4), (c) => '0x' + c.toString(16).padStart(2, '0')).join(' ');
      const guess = guessOtherFormat(b);
      throw new SpgdError(
        'BAD_IMAGE',
        `not a PNG or JPEG file (starts with ${head}${guess ? `, which looks like ${guess} file` : ''})`,
      );
    }
  }
}
