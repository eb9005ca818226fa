/**
 * 8-bit RGB images <-> engine tensors, and the geometry behind `--size`.
 *
 * Engine images are float32 `[3, H, W]` in [-1, 1] (docs: spgd-algorithm.md section 1):
 * - `imageToTensor`: p in 0..255 -> 2p/255 - 1;
 * - `tensorToImage`: clip to [-1, 1], x -> round((x + 1) / 2 * 255) (halves round up; NaN -> 0);
 * - `toUnit`: [-1, 1] -> [0, 1] with clipping.
 *
 * Resizing and cropping act on the last two axes of any tensor (`[H, W]`, `[C, H, W]`,
 * `[B, C, H, W]`):
 * - `resize`: per axis, an exact area (box) average when shrinking -- each output pixel is
 *   the overlap-weighted mean of the input pixels its footprint covers, so there is no
 *   aliasing -- and bilinear interpolation (half-pixel centres, edges clamped) when
 *   enlarging;
 * - `centerCrop`: offsets floor((H - h) / 2), floor((W - w) / 2);
 * - `fitToSquare(t, px)`: the `--size px` rule: resize so the short side is px (aspect kept,
 *   long side rounded), then centre-crop to px x px; `{ mode: 'crop' }` crops only.
 *
 * @example
 * const x = fitToSquare(imageToTensor(decodeImage(bytes)), 256);  // [3, 256, 256]
 * const png = encodePng(tensorToImage(x));
 */
import { SpgdError } from '../errors';
import { numel, type Tensor } from '../tensor';
import type { RgbImage } from './types';
import { assertRgbImage } from './types';

const TO_SIGNED = Float32Array.from({ length: 256 }, (_, p) => (2 * p) / 255 - 1);

/** `[3, H, W]` float32 in [-1, 1] from 8-bit RGB. */
export function imageToTensor(img: RgbImage): Tensor {
  assertRgbImage(img);
  const { width: w, height: h, data } = img;
  const n = w * h;
  const out = new Float32Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[i] = TO_SIGNED[data[3 * i]];
    out[n + i] = TO_SIGNED[data[3 * i + 1]];
    out[2 * n + i] = TO_SIGNED[data[3 * i + 2]];
  }
  return { shape: [3, h, w], data: out };
}

/** Height and width of a `[3, H, W]` or `[1, 3, H, W]` image tensor, or a SHAPE_MISMATCH error. */
function imageDims(t: Tensor, what: string): [number, number] {
  const s = t.shape;
  if (s.length === 3 && s[0] === 3) return [s[1], s[2]];
  if (s.length === 4 && s[0] === 1 && s[1] === 3) return [s[2], s[3]];
  throw new SpgdError('SHAPE_MISMATCH', `${what} needs an image tensor [3, H, W] or [1, 3, H, W], got [${s.join(', ')}]`);
}

/** 8-bit RGB from a `[3, H, W]` (or `[1, 3, H, W]`) tensor in [-1, 1]; values outside are clipped. */
export function tensorToImage(t: Tensor): RgbImage {
  const [h, w] = imageDims(t, 'tensorToImage');
  const n = h * w;
  const src = t.data;
  const out = new Uint8Array(3 * n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) {
      const x = src[c * n + i];
      // NaN fails both comparisons and lands on 0.
      const v = x >= 1 ? 255 : x > -1 ? Math.round(((x + 1) / 2) * 255) : 0;
      out[3 * i + c] = v;
    }
  }
  return { width: w, height: h, data: out };
}

/** [-1, 1] -> [0, 1] elementwise, clipped; any shape. */
export function toUnit(t: Tensor): Tensor {
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < out.length; i++) {
    const u = (t.data[i] + 1) / 2;
    out[i] = u < 0 ? 0 : u > 1 ? 1 : u;
  }
  return { shape: [...t.shape], data: out };
}

function spatial(t: Tensor, what: string): { planes: number; h: number; w: number } {
  const s = t.shape;
  if (s.length < 2) throw new SpgdError('SHAPE_MISMATCH', `${what} needs a tensor with at least 2 axes, got [${s.join(', ')}]`);
  const h = s[s.length - 2];
  const w = s[s.length - 1];
  return { planes: h * w === 0 ? 0 : numel(s) / (h * w), h, w };
}

/** Centre crop of the last two axes to h x w. */
export function centerCrop(t: Tensor, h: number, w: number): Tensor {
  const { planes, h: H, w: W } = spatial(t, 'centerCrop');
  if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0) {
    throw new RangeError(`centerCrop size must be positive integers, got ${h}x${w}`);
  }
  if (h > H || w > W) {
    throw new SpgdError('IMAGE_TOO_SMALL', `image is ${W}x${H}, smaller than the ${w}x${h} crop`);
  }
  const top = Math.floor((H - h) / 2);
  const left = Math.floor((W - w) / 2);
  const out = new Float32Array(planes * h * w);
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h; y++) {
      const from = p * H * W + (top + y) * W + left;
      out.set(t.data.subarray(from, from + w), (p * h + y) * w);
    }
  }
  return { shape: [...t.shape.slice(0, -2), h, w], data: out };
}

/**
 * One axis of a separable resampler: output i reads `count[i]` inputs starting at
 * `first[i]` with weights `weights[offset[i] ...]` (summing to 1).
 */
interface AxisWeights {
  first: Int32Array;
  count: Int32Array;
  offset: Int32Array;
  weights: Float64Array;
}

function axisWeights(inLen: number, outLen: number): AxisWeights {
  const first = new Int32Array(outLen);
  const count = new Int32Array(outLen);
  const offset = new Int32Array(outLen);
  const ws: number[] = [];
  const scale = inLen / outLen;
  for (let i = 0; i < outLen; i++) {
    offset[i] = ws.length;
    if (outLen < inLen) {
      // Area: the footprint [i*scale, (i+1)*scale) in input coordinates.
      const a = i * scale;
      const b = Math.min(inLen, (i + 1) * scale);
      const j0 = Math.floor(a);
      const j1 = Math.min(inLen, Math.ceil(b));
      first[i] = j0;
      count[i] = j1 - j0;
      let total = 0;
      for (let j = j0; j < j1; j++) total += Math.min(b, j + 1) - Math.max(a, j);
      for (let j = j0; j < j1; j++) ws.push((Math.min(b, j + 1) - Math.max(a, j)) / total);
    } else if (outLen > inLen) {
      // Bilinear, half-pixel centres, edges clamped.
      const src = Math.min(inLen - 1, Math.max(0, (i + 0.5) * scale - 0.5));
      const j0 = Math.floor(src);
      const f = src - j0;
      first[i] = j0;
      if (f > 0 && j0 + 1 < inLen) {
        ws.push(1 - f, f);
        count[i] = 2;
      } else {
        ws.push(1);
        count[i] = 1;
      }
    } else {
      first[i] = i;
      ws.push(1);
      count[i] = 1;
    }
  }
  return { first, count, offset, weights: Float64Array.from(ws) };
}

/**
 * Resizes the last two axes to outH x outW: exact area averaging on an axis that shrinks,
 * bilinear on an axis that grows, a copy on an axis that keeps its length.
 */
export function resize(t: Tensor, outH: number, outW: number): Tensor {
  const { planes, h: H, w: W } = spatial(t, 'resize');
  if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH <= 0 || outW <= 0) {
    throw new RangeError(`resize size must be positive integers, got ${outH}x${outW}`);
  }
  if (H === 0 || W === 0) throw new SpgdError('IMAGE_TOO_SMALL', `cannot resize an empty ${W}x${H} image`);
  if (outH === H && outW === W) return { shape: [...t.shape], data: t.data.slice() };
  const ax = axisWeights(W, outW);
  const ay = axisWeights(H, outH);
  const tmp = new Float64Array(H * outW);
  const acc = new Float64Array(outW);
  const out = new Float32Array(planes * outH * outW);
  for (let p = 0; p < planes; p++) {
    const src = t.data.subarray(p * H * W, (p + 1) * H * W);
    for (let y = 0; y < H; y++) {
      for (let i = 0; i < outW; i++) {
        let s = 0;
        const base = y * W + ax.first[i];
        const o = ax.offset[i];
        for (let k = 0; k < ax.count[i]; k++) s += ax.weights[o + k] * src[base + k];
        tmp[y * outW + i] = s;
      }
    }
    for (let i = 0; i < outH; i++) {
      const o = ay.offset[i];
      acc.fill(0);
      for (let k = 0; k < ay.count[i]; k++) {
        const wgt = ay.weights[o + k];
        const from = (ay.first[i] + k) * outW;
        for (let x = 0; x < outW; x++) acc[x] += wgt * tmp[from + x];
      }
      out.set(acc, (p * outH + i) * outW);
    }
  }
  return { shape: [...t.shape.slice(0, -2), outH, outW], data: out };
}

export interface FitOptions {
  /**
   * 'resize-crop' (default): scale so the short side is px, then centre-crop.
   * 'crop': centre-crop only; an image smaller than px on either side is an IMAGE_TOO_SMALL error.
   */
  mode?: 'resize-crop' | 'crop';
}

/** The `--size px` rule: a px x px tensor from any image tensor (last two axes). */
export function fitToSquare(t: Tensor, px: number, options: FitOptions = {}): Tensor {
  if (!Number.isInteger(px) || px <= 0) throw new RangeError(`size must be a positive integer, got ${px}`);
  if ((options.mode ?? 'resize-crop') === 'crop') return centerCrop(t, px, px);
  return fitToSize(t, px, px);
}

/** Scales (last two axes) so the image covers h x w, keeping its aspect, then centre-crops to h x w. */
export function fitToSize(t: Tensor, h: number, w: number): Tensor {
  if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0) throw new RangeError(`size must be positive integers, got ${w}x${h}`);
  const { h: H, w: W } = spatial(t, 'fitToSize');
  const scale = Math.max(h / H, w / W);
  return centerCrop(resize(t, Math.max(h, Math.round(H * scale)), Math.max(w, Math.round(W * scale))), h, w);
}

/** A [C, H, W] image in [-1, 1] as one grey plane [H, W] in [0, 1] (channel mean): masks and kernels drawn as pictures. */
export function greyPlane(t: Tensor): Tensor {
  const [c, h, w] = t.shape;
  const out = new Float32Array(h * w);
  for (let k = 0; k < c; k++) for (let p = 0; p < h * w; p++) out[p] += (t.data[k * h * w + p] + 1) / (2 * c);
  return { shape: [h, w], data: out };
}
