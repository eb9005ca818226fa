/**
 * PNG decoding to 8-bit RGB, PNG encoding, and text chunks (tEXt / iTXt).
 *
 * The chunk structure (signature, lengths, CRCs, IHDR, IEND) is checked here first, so a
 * truncated or corrupt file gets a precise message and an oversized one is refused from its
 * header before any pixel is inflated. fast-png then inflates and unfilters the pixel data.
 *
 * Conversion to RGB (every colour type and bit depth):
 * - grey at depth d: `v * 255 / (2^d - 1)` (exact for d = 1, 2, 4, 8), copied to R, G, B;
 * - 16-bit samples: `round(v * 255 / 65535)`;
 * - palette: the palette entry;
 * - alpha channels and tRNS are dropped (no compositing), like PIL's `convert('RGB')`.
 * Gamma (gAMA), colour profiles (iCCP, sRGB) and APNG frames after the first are ignored.
 */
import { decode as fastPngDecode, encode as fastPngEncode } from 'fast-png';
import { SpgdError } from '../errors';
import { assertRgbImage, type RgbImage } from './types';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function hasPngSignature(bytes: Uint8Array): boolean {
  if (bytes.length < SIGNATURE.length) return false;
  return SIGNATURE.every((b, i) => bytes[i] === b);
}

// ------------------------------------------------------------------ CRC-32 (ISO 3309)

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ------------------------------------------------------------------ chunk walking

interface Chunk {
  type: string;
  /** Byte offset of the chunk's length field. */
  at: number;
  /** Byte offset of the chunk's data. */
  data: number;
  length: number;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

function bad(message: string): SpgdError {
  return new SpgdError('BAD_IMAGE', message);
}

/** Reads the chunk at `at`, checking that it fits in the file and (optionally) its CRC. */
function readChunk(b: Uint8Array, at: number, checkCrc: boolean): Chunk {
  if (at + 8 > b.length) {
    throw bad(`PNG is truncated: the file ends at byte ${b.length}, inside a chunk header, before the IEND chunk`);
  }
  const length = readU32(b, at);
  const typeBytes = b.subarray(at + 4, at + 8);
  const isLetter = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  if (!typeBytes.every(isLetter)) {
    const hex = Array.from(typeBytes, (c) => '0x' + c.toString(16).padStart(2, '0')).join(' ');
    throw bad(`PNG is corrupt: the chunk at byte ${at} has an invalid type (${hex})`);
  }
  const type = String.fromCharCode(...typeBytes);
  if (length > 0x7fffffff) {
    throw bad(`PNG is corrupt: the ${type} chunk at byte ${at} claims ${length} bytes, more than PNG allows`);
  }
  const end = at + 12 + length;
  if (end > b.length) {
    throw bad(
      `PNG is truncated: the ${type} chunk at byte ${at} needs ${length + 12} bytes but the file ends ` +
        `${end - b.length} bytes short of that`,
    );
  }
  if (checkCrc && crc32(b, at + 4, at + 8 + length) !== readU32(b, at + 8 + length)) {
    throw bad(`PNG is corrupt: CRC mismatch in the ${type} chunk at byte ${at}`);
  }
  return { type, at, data: at + 8, length };
}

/** Every chunk from IHDR to IEND (inclusive); data after IEND is ignored. */
function walkChunks(b: Uint8Array, from: number): Chunk[] {
  const chunks: Chunk[] = [];
  let at = from;
  for (;;) {
    if (at >= b.length) throw bad(`PNG is truncated: the file ends at byte ${b.length} without an IEND chunk`);
    const c = readChunk(b, at, true);
    chunks.push(c);
    if (c.type === 'IEND') return chunks;
    at += 12 + c.length;
  }
}

// ------------------------------------------------------------------ header

interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

const VALID_DEPTHS: Partial<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

const COLOR_TYPE_NAME: Record<number, string> = {
  0: 'grey',
  2: 'RGB',
  3: 'palette',
  4: 'grey+alpha',
  6: 'RGBA',
};

function readHeader(b: Uint8Array): PngHeader {
  const ihdr = readChunk(b, 8, true);
  if (ihdr.type !== 'IHDR') throw bad(`PNG is corrupt: the first chunk is ${ihdr.type}, not IHDR`);
  if (ihdr.length !== 13) throw bad(`PNG is corrupt: the IHDR chunk has ${ihdr.length} bytes instead of 13`);
  const d = ihdr.data;
  const h: PngHeader = {
    width: readU32(b, d),
    height: readU32(b, d + 4),
    depth: b[d + 8],
    colorType: b[d + 9],
    interlaced: b[d + 12] === 1,
  };
  if (h.width === 0 || h.height === 0 || h.width > 0x7fffffff || h.height > 0x7fffffff) {
    throw bad(`PNG is corrupt: its header gives an invalid size ${h.width}x${h.height}`);
  }
  const depths = VALID_DEPTHS[h.colorType];
  if (!depths) throw bad(`PNG is corrupt: its header gives an unknown colour type ${h.colorType}`);
  if (!depths.includes(h.depth)) {
    throw bad(`PNG is corrupt: bit depth ${h.depth} is not allowed for ${COLOR_TYPE_NAME[h.colorType]} images`);
  }
  if (b[d + 10] !== 0 || b[d + 11] !== 0 || b[d + 12] > 1) {
    throw bad(
      `PNG is corrupt: its header gives unknown compression/filter/interlace methods ` +
        `${b[d + 10]}/${b[d + 11]}/${b[d + 12]}`,
    );
  }
  return h;
}

// ------------------------------------------------------------------ decoding

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return (err.message.replace(/:\s*$/, '') + cause).trim();
}

/**
 * Decodes a PNG to 8-bit RGB. `checkSize` runs on the header's width and height before any
 * pixel data is touched (the caller's megapixel limit).
 */
export function decodePngRgb(
  bytes: Uint8Array,
  checkSize: (width: number, height: number) => void,
): RgbImage {
  if (!hasPngSignature(bytes)) throw bad('not a PNG file: the PNG signature is missing');
  const hdr = readHeader(bytes);
  checkSize(hdr.width, hdr.height);
  const chunks = walkChunks(bytes, 8);
  if (!chunks.some((c) => c.type === 'IDAT')) throw bad('PNG is corrupt: it has no IDAT (pixel data) chunk');
  if (hdr.colorType === 3 && !chunks.some((c) => c.type === 'PLTE')) {
    throw bad('PNG is corrupt: it is a palette image without a PLTE chunk');
  }
  if (hdr.interlaced && hdr.depth < 8) {
    throw bad(
      `PNG uses Adam7 interlacing with ${hdr.depth}-bit samples, which this decoder does not support; ` +
        're-save it without interlacing',
    );
  }

  let png: ReturnType<typeof fastPngDecode>;
  try {
    png = fastPngDecode(bytes, { checkCrc: false });
  } catch (err) {
    throw bad(`PNG is corrupt: its pixel data could not be decoded (${errorText(err)})`);
  }

  const { width, height } = hdr;
  const n = width * height;
  const spp = png.channels; // samples per pixel: 1 grey/palette, 2 grey+alpha, 3 RGB, 4 RGBA
  const expected = hdr.depth < 8 ? Math.ceil((width * hdr.depth) / 8) * height : n * spp;
  if (png.data.length !== expected) {
    throw bad(`PNG is corrupt: the decoder returned ${png.data.length} samples, expected ${expected}`);
  }

  // One 8-bit value per sample (palette indices stay indices).
  let s8: Uint8Array;
  if (hdr.depth === 16) {
    const s16 = png.data as Uint16Array;
    s8 = new Uint8Array(s16.length);
    for (let i = 0; i < s16.length; i++) s8[i] = ((s16[i] * 255 + 32767) / 65535) | 0;
  } else if (hdr.depth < 8) {
    s8 = unpackSubByte(png.data as Uint8Array, width, height, hdr.depth, hdr.colorType === 0);
  } else {
    s8 = png.data as Uint8Array;
  }

  const rgb = new Uint8Array(n * 3);
  switch (hdr.colorType) {
    case 0: // grey
    case 4: // grey + alpha
      for (let i = 0; i < n; i++) {
        const g = s8[i * spp];
        rgb[3 * i] = g;
        rgb[3 * i + 1] = g;
        rgb[3 * i + 2] = g;
      }
      break;
    case 2: // RGB
    case 6: // RGBA
      for (let i = 0; i < n; i++) {
        rgb[3 * i] = s8[i * spp];
        rgb[3 * i + 1] = s8[i * spp + 1];
        rgb[3 * i + 2] = s8[i * spp + 2];
      }
      break;
    case 3: {
      const palette: readonly (readonly number[] | undefined)[] = png.palette ?? []; // indices come from the file
      for (let i = 0; i < n; i++) {
        const entry = palette[s8[i]];
        if (!entry) {
          throw bad(`PNG is corrupt: palette index ${s8[i]} is out of range (the palette has ${palette.length} entries)`);
        }
        rgb[3 * i] = entry[0];
        rgb[3 * i + 1] = entry[1];
        rgb[3 * i + 2] = entry[2];
      }
      break;
    }
  }
  return { width, height, data: rgb };
}

/** Unpacks 1/2/4-bit rows (each row padded to a byte) to one byte per sample; grey is rescaled to 0..255. */
function unpackSubByte(packed: Uint8Array, width: number, height: number, depth: number, rescale: boolean): Uint8Array {
  const out = new Uint8Array(width * height);
  const stride = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  const scale = rescale ? 255 / mask : 1;
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const v = (packed[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
      out[y * width + x] = v * scale;
    }
  }
  return out;
}

// ------------------------------------------------------------------ encoding and text

export interface EncodePngOptions {
  /**
   * Text chunks to embed, written right after IHDR. A value whose characters are all in
   * U+0001..U+00FF goes into a tEXt chunk (Latin-1); any other value into an uncompressed
   * iTXt chunk (UTF-8). Keywords: 1-79 printable Latin-1 characters, no leading, trailing or
   * double spaces (PNG spec 11.3.4.2).
   */
  text?: Record<string, string>;
}

function checkKeyword(key: string): void {
  const reason =
    key.length === 0 || key.length > 79
      ? `it has ${key.length} characters, PNG allows 1 to 79`
      : !/^[\x20-\x7e\xa1-\xff]+$/.test(key)
        ? 'it may only contain printable Latin-1 characters'
        : /^ | $| {2}/.test(key)
          ? 'it may not start or end with a space or contain two spaces in a row'
          : null;
  if (reason) throw new SpgdError('BAD_INPUT', `PNG text keyword ${JSON.stringify(key)} is invalid: ${reason}`);
}

function makeChunk(type: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + payload.length);
  writeU32(out, 0, payload.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(payload, 8);
  writeU32(out, 8 + payload.length, crc32(out, 4, 8 + payload.length));
  return out;
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function latin1String(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

function textChunk(key: string, value: string): Uint8Array {
  checkKeyword(key);
  if (value.includes('\0')) {
    throw new SpgdError('BAD_INPUT', `PNG text value for ${JSON.stringify(key)} contains a NUL character, which PNG forbids`);
  }
  const k = latin1Bytes(key);
  if (/^[\x01-\xff]*$/.test(value)) {
    const v = latin1Bytes(value);
    const payload = new Uint8Array(k.length + 1 + v.length);
    payload.set(k, 0);
    payload.set(v, k.length + 1);
    return makeChunk('tEXt', payload);
  }
  // iTXt: keyword \0 compression-flag(0) method(0) language \0 translated-keyword \0 text
  const v = new TextEncoder().encode(value);
  const payload = new Uint8Array(k.length + 5 + v.length);
  payload.set(k, 0);
  payload.set(v, k.length + 5);
  return makeChunk('iTXt', payload);
}

/** Encodes an 8-bit RGB image as a PNG (deflate level 6), optionally with text chunks. */
export function encodePng(img: RgbImage, options: EncodePngOptions = {}): Uint8Array {
  assertRgbImage(img);
  const base = fastPngEncode(
    { width: img.width, height: img.height, data: img.data, depth: 8, channels: 3 },
    { zlib: { level: 6 } },
  );
  const entries = Object.entries(options.text ?? {});
  if (entries.length === 0) return base;
  const extra = entries.map(([k, v]) => textChunk(k, v));
  const afterIhdr = 8 + 25;
  const out = new Uint8Array(base.length + extra.reduce((s, c) => s + c.length, 0));
  out.set(base.subarray(0, afterIhdr), 0);
  let at = afterIhdr;
  for (const c of extra) {
    out.set(c, at);
    at += c.length;
  }
  out.set(base.subarray(afterIhdr), at);
  return out;
}

/**
 * The text chunks of a PNG: tEXt (Latin-1) and uncompressed iTXt (UTF-8), keyword -> text;
 * a later chunk with the same keyword wins. zTXt and compressed iTXt chunks are skipped.
 * The pixel data is not decoded, but the chunk structure and every CRC are checked.
 */
export function readPngText(bytes: Uint8Array | ArrayBuffer): Record<string, string> {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (!hasPngSignature(b)) throw bad('not a PNG file: the PNG signature is missing');
  readHeader(b);
  const found = new Map<string, string>();
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  for (const c of walkChunks(b, 8)) {
    if (c.type !== 'tEXt' && c.type !== 'iTXt') continue;
    const data = b.subarray(c.data, c.data + c.length);
    const nul = data.indexOf(0);
    if (nul <= 0) throw bad(`PNG is corrupt: the ${c.type} chunk at byte ${c.at} has no keyword`);
    const key = latin1String(data.subarray(0, nul));
    if (c.type === 'tEXt') {
      found.set(key, latin1String(data.subarray(nul + 1)));
      continue;
    }
    const compressed = data[nul + 1];
    const langEnd = data.indexOf(0, nul + 3);
    const transEnd = langEnd < 0 ? -1 : data.indexOf(0, langEnd + 1);
    if (transEnd < 0) throw bad(`PNG is corrupt: the iTXt chunk at byte ${c.at} is malformed`);
    if (compressed !== 0) continue;
    found.set(key, utf8.decode(data.subarray(transEnd + 1)));
  }
  return Object.fromEntries(found);
}
