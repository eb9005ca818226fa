/**
 * Tensors as pictures and numbers, for previews and the inspector (`tensor.get`):
 *
 * - 'image' ([3, H, W] in [-1, 1]): RGB, or the selected channel as grey;
 * - 'signed' (gradients, momentum, residuals): a blue-white-red map, v / max|v| -> [-1, 1],
 *   blue negative, white zero, red positive; a 3-channel tensor without a channel selected
 *   shows the channel mean;
 * - 'map' (masks, kernels): grey from min to max;
 * - 'heat' (the uncertainty map, non-negative): the heat colour scale (heat.ts) from 0 to max;
 * - 'series' (1-D curves): no picture.
 * NaN and Inf pixels are drawn black.
 *
 * @example
 * const { png, signed } = renderTensor(g, 'signed');   // png: PNG bytes
 * const url = pngDataUrl(png!);
 */
import { encodePng, tensorToImage } from '../image';
import type { Tensor } from '../tensor';
import { stats } from '../tensor';
import { SpgdError } from '../errors';
import { bytesToBase64 } from '../io/base64';
import { heatColor } from './heat';
import type { StatsJson, TensorKind } from './types';

export function pngDataUrl(png: Uint8Array): string {
  return `data:image/png;base64,${bytesToBase64(png)}`;
}

const fin = (v: number): number | null => (Number.isFinite(v) ? v : null);

export function statsJson(t: Tensor): StatsJson {
  const s = stats(t);
  return { min: fin(s.min), max: fin(s.max), mean: fin(s.mean), std: fin(s.std), nanCount: s.nanCount, infCount: s.infCount };
}

/** One channel of a [C, H, W] tensor as [H, W]. */
export function selectChannel(t: Tensor, channel: number): Tensor {
  if (t.shape.length !== 3) throw new RangeError(`channel select needs a [C, H, W] tensor, got [${t.shape.join(', ')}]`);
  const [c, h, w] = t.shape;
  if (!Number.isInteger(channel) || channel < 0 || channel >= c) throw new RangeError(`channel ${channel} is out of range (the tensor has ${c})`);
  return { shape: [h, w], data: t.data.slice(channel * h * w, (channel + 1) * h * w) };
}

/** Height and width of a 2-D plane view of a tensor ([H, W], [C, H, W] or [1, C, H, W]); null for 1-D. */
function planeDims(t: Tensor): { c: number; h: number; w: number } | null {
  const s = t.shape;
  if (s.length === 2) return { c: 1, h: s[0], w: s[1] };
  if (s.length === 3) return { c: s[0], h: s[1], w: s[2] };
  if (s.length === 4 && s[0] === 1) return { c: s[1], h: s[2], w: s[3] };
  return null;
}

function channelMean(t: Tensor, c: number, h: number, w: number): Float32Array {
  const n = h * w;
  const out = new Float32Array(n);
  for (let k = 0; k < c; k++) for (let i = 0; i < n; i++) out[i] += t.data[k * n + i] / c;
  return out;
}

function greyPng(values: Float32Array, h: number, w: number, lo: number, hi: number): Uint8Array {
  const data = new Uint8Array(3 * h * w);
  const span = hi > lo ? hi - lo : 1;
  for (let i = 0; i < h * w; i++) {
    const v = values[i];
    const g = Number.isFinite(v) ? Math.round(255 * Math.min(1, Math.max(0, (v - lo) / span))) : 0;
    data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = g;
  }
  return encodePng({ width: w, height: h, data });
}

function signedPng(values: Float32Array, h: number, w: number): Uint8Array {
  let m = 0;
  for (const v of values) if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
  const s = m > 0 ? 1 / m : 1;
  const data = new Uint8Array(3 * h * w);
  for (let i = 0; i < h * w; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue; // black
    const t = Math.max(-1, Math.min(1, v * s));
    if (t < 0) {
      const k = Math.round(255 * (1 + t));
      data[3 * i] = k;
      data[3 * i + 1] = k;
      data[3 * i + 2] = 255;
    } else {
      const k = Math.round(255 * (1 - t));
      data[3 * i] = 255;
      data[3 * i + 1] = k;
      data[3 * i + 2] = k;
    }
  }
  return encodePng({ width: w, height: h, data });
}

function heatPng(values: Float32Array, h: number, w: number): Uint8Array {
  let hi = 0;
  for (const v of values) if (Number.isFinite(v) && v > hi) hi = v;
  const data = new Uint8Array(3 * h * w);
  for (let i = 0; i < h * w; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue; // black
    const [r, g, b] = heatColor(hi > 0 ? v / hi : 0);
    data[3 * i] = r;
    data[3 * i + 1] = g;
    data[3 * i + 2] = b;
  }
  return encodePng({ width: w, height: h, data });
}

/** A picture of a tensor (PNG bytes) and whether it uses the signed colour map. */
export function renderTensor(t: Tensor, kind: TensorKind, channel?: number): { png: Uint8Array | null; signed: boolean } {
  if (kind === 'series') return { png: null, signed: false };
  const dims = planeDims(t);
  if (!dims || dims.h === 0 || dims.w === 0) return { png: null, signed: false };
  const { c, h, w } = dims;
  const plane = t.shape.length === 4 ? { shape: [c, h, w], data: t.data } : t;
  if (kind === 'image' && c === 3 && channel === undefined) {
    return { png: encodePng(tensorToImage({ shape: [3, h, w], data: plane.data })), signed: false };
  }
  let values: Float32Array;
  if (channel !== undefined) values = c === 1 && plane.shape.length === 2 ? plane.data : selectChannel({ shape: [c, h, w], data: plane.data }, channel).data;
  else values = c === 1 ? plane.data.subarray(0, h * w) : channelMean({ shape: [c, h, w], data: plane.data }, c, h, w);
  if (kind === 'signed') return { png: signedPng(values, h, w), signed: true };
  if (kind === 'heat') return { png: heatPng(values, h, w), signed: false };
  if (kind === 'image') return { png: greyPng(values, h, w, -1, 1), signed: false };
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi >= lo)) [lo, hi] = [0, 1];
  return { png: greyPng(values, h, w, lo, hi), signed: false };
}

/** A histogram of the finite values: `bins` equal bins from min to max (edges has bins + 1 entries). */
export function histogram(t: Tensor, bins = 64): { edges: number[]; counts: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of t.data) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const counts = new Array<number>(bins).fill(0);
  if (!(hi >= lo)) return { edges: Array.from({ length: bins + 1 }, (_, i) => i / bins), counts };
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  for (const v of t.data) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => lo + i * width), counts };
}

/**
 * What the inspector shows for one tensor (`tensor.get`, for server and browser runs alike):
 * stats and a 64-bin histogram of the selected channel (or all), and the picture.
 */
export function tensorSnapshot(tensor: Tensor, kind: TensorKind, channel?: number) {
  let view = tensor;
  if (channel !== undefined) {
    if (tensor.shape.length !== 3 || channel >= tensor.shape[0]) {
      throw new SpgdError('BAD_INPUT', `channel ${channel} does not exist in a tensor of shape [${tensor.shape.join(', ')}]`);
    }
    view = selectChannel(tensor, channel);
  }
  const { png, signed } = renderTensor(tensor, kind, channel);
  return {
    shape: tensor.shape,
    dtype: 'float32' as const,
    kind,
    channel: channel ?? null,
    stats: statsJson(view),
    histogram: histogram(view, 64),
    png: png ? pngDataUrl(png) : null,
    signed,
  };
}
