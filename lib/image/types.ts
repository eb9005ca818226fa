/**
 * An 8-bit RGB image as it comes out of a decoder: `data` is `width * height * 3` bytes,
 * row-major, channels interleaved (R, G, B, R, G, B, ...). Alpha is never kept.
 */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export type ImageFormat = 'png' | 'jpeg';

export interface DecodeOptions {
  /**
   * Largest `width * height` accepted, checked from the file header before any pixel is
   * decoded. Default {@link DEFAULT_MAX_PIXELS} (16 MP, 1 MP = 10^6 pixels).
   */
  maxPixels?: number;
}

/** 16 megapixels (1 MP = 10^6 pixels; note that 4096 x 4096 = 16.8 MP is over it). */
export const DEFAULT_MAX_PIXELS = 16_000_000;

/** Throws a RangeError unless `img` is a well-formed RgbImage (a programming error, not bad input). */
export function assertRgbImage(img: RgbImage, what = 'image'): void {
  const { width, height } = img;
  const data: unknown = img.data; // checked, not trusted: the caller may be untyped code
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`${what} has invalid size ${width}x${height}`);
  }
  if (!(data instanceof Uint8Array)) throw new RangeError(`${what} data is not a Uint8Array`);
  if (data.length !== width * height * 3) {
    throw new RangeError(
      `${what} data has ${data.length} bytes, ${width}x${height} RGB needs ${width * height * 3}`,
    );
  }
}
