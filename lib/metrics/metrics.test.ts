import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { parseNpy } from '../io/npy';
import { tensor, type Tensor } from '../tensor';
import { psnr, ssim } from './index';

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(fileURLToPath(new URL(`../../tests/fixtures/metrics/${name}`, import.meta.url))));

interface Pair {
  x: string;
  ref: string;
  channel?: number;
  psnr: number;
  ssim: number;
}
const expected = JSON.parse(new TextDecoder().decode(fixture('expected.json'))) as {
  pairs: Pair[];
  identical: { x: string; ref: string; psnr: 'inf'; ssim: number };
  batch: { x: string[]; ref: string[]; psnr: number; ssim: number };
};

const cache = new Map<string, Tensor>();
function load(name: string): Tensor {
  if (name === 'zeros') return tensor(load('ref.npy').shape);
  if (!cache.has(name)) {
    const { shape, data } = parseNpy(fixture(name));
    cache.set(name, tensor(shape, data));
  }
  return cache.get(name)!;
}
function channel(t: Tensor, c: number): Tensor {
  const [, h, w] = t.shape;
  return tensor([1, h, w], t.data.slice(c * h * w, (c + 1) * h * w));
}
function stack(ts: Tensor[]): Tensor {
  const data = new Float32Array(ts.reduce((s, t) => s + t.data.length, 0));
  let at = 0;
  for (const t of ts) {
    data.set(t.data, at);
    at += t.data.length;
  }
  return tensor([ts.length, ...ts[0].shape], data);
}
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpgdError);
    return (err as SpgdError).code;
  }
  throw new Error('expected an error');
}

const label = (p: Pair) => `${p.x} vs ${p.ref}${p.channel === undefined ? '' : ` (channel ${p.channel})`}`;

describe('psnr and ssim match scikit-image 0.19', () => {
  it('has fixtures that exercise clipping', () => {
    const noisy = load('noisy.npy').data;
    expect(noisy.some((v) => v > 1) && noisy.some((v) => v < -1)).toBe(true);
    expect(load('contrast.npy').data.filter((v) => v > 1).length).toBeGreaterThan(500);
  });

  it.each(expected.pairs.map((p) => [label(p), p] as const))('%s', (_, p) => {
    let x = load(p.x);
    let ref = load(p.ref);
    if (p.channel !== undefined) {
      x = channel(x, p.channel);
      ref = channel(ref, p.channel);
    }
    expect(Math.abs(psnr(x, ref) - p.psnr)).toBeLessThan(1e-6);
    expect(Math.abs(ssim(x, ref) - p.ssim)).toBeLessThan(1e-6);
  });

  it('gives Infinity dB and SSIM 1 for identical images', () => {
    const ref = load('ref.npy');
    expect(psnr(ref, ref)).toBe(Infinity);
    expect(Math.abs(ssim(ref, ref) - expected.identical.ssim)).toBeLessThan(1e-12);
  });

  it('averages over the images of a [B, C, H, W] batch', () => {
    const x = stack(expected.batch.x.map(load));
    const ref = stack(expected.batch.ref.map(load));
    expect(x.shape).toEqual([2, 3, 40, 48]);
    expect(Math.abs(psnr(x, ref) - expected.batch.psnr)).toBeLessThan(1e-6);
    expect(Math.abs(ssim(x, ref) - expected.batch.ssim)).toBeLessThan(1e-6);
  });

  it('is symmetric in its arguments', () => {
    const a = load('noisy.npy');
    const b = load('blurred.npy');
    expect(psnr(a, b)).toBeCloseTo(psnr(b, a), 12);
    expect(ssim(a, b)).toBeCloseTo(ssim(b, a), 12);
  });
});

describe('input checks', () => {
  it('rejects different shapes and images below 11x11 for SSIM', () => {
    expect(codeOf(() => psnr(tensor([3, 4, 4]), tensor([3, 4, 5])))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => ssim(tensor([3, 12, 12]), tensor([1, 12, 12])))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => ssim(tensor([3, 10, 40]), tensor([3, 10, 40])))).toBe('IMAGE_TOO_SMALL');
    expect(codeOf(() => psnr(tensor([3, 0, 4]), tensor([3, 0, 4])))).toBe('IMAGE_TOO_SMALL');
  });
});
