import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { tensor } from '../tensor';
import { decodeImage } from './codec';
import { imageToTensor } from './convert';
import { estimateNoiseSigma } from './noise-estimate';

const coffee = imageToTensor(decodeImage(readFileSync(new URL('../../public/samples/coffee.png', import.meta.url))));

function noisy(clean: Float32Array, shape: readonly number[], sigma: number, seed: number) {
  const n = new Rng(seed, 'noise').normals(clean.length);
  return tensor(shape, clean.map((v, i) => v + sigma * n[i]));
}

describe('noise estimate (median absolute Laplacian on the flatter half of the image)', () => {
  it('finds the sigma of Gaussian noise within 10% at three levels on a smooth image, and on a photo from 0.05 up', () => {
    const [h, w] = [128, 160];
    const smooth = Float32Array.from({ length: 3 * h * w }, (_, i) => {
      const p = i % (h * w);
      return 0.6 * Math.sin(p / w / 17) * Math.cos((p % w) / 23) - 0.1;
    });
    for (const sigma of [0.02, 0.05, 0.1]) {
      expect(Math.abs(estimateNoiseSigma(noisy(smooth, [3, h, w], sigma, 1)) / sigma - 1)).toBeLessThan(0.1);
    }
    for (const sigma of [0.05, 0.1]) expect(Math.abs(estimateNoiseSigma(noisy(coffee.data, coffee.shape, sigma, 2)) / sigma - 1)).toBeLessThan(0.1);
  });

  it('says almost nothing for a clean smooth image', () => {
    const ramp = tensor([1, 32, 32], Float32Array.from({ length: 1024 }, (_, i) => (i % 32) / 32 + Math.floor(i / 32) / 64));
    expect(estimateNoiseSigma(ramp)).toBeLessThan(1e-6);
  });
});
