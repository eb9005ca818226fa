import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { dot, tensor, type Tensor } from '../tensor';
import { cropImage, padImage, padImageAdjoint, paddedEpsModel, paddingFor } from './padded';
import type { EpsModel } from './types';

const random = (shape: number[], seed: number): Tensor => tensor(shape, new Rng(seed, 'test').normals(shape.reduce((a, b) => a * b, 1)));

/** eps(z) = z, refusing sizes that are not multiples of 8 (as a strided UNet would). */
const identity: EpsModel = {
  name: 'identity',
  outChannels: 3,
  integerTimesteps: false,
  eps: (z) => {
    if (z.shape[1] % 8 || z.shape[2] % 8) return Promise.reject(new Error(`not a multiple of 8: ${z.shape.join('x')}`));
    return Promise.resolve({ eps: tensor(z.shape, z.data.slice()) });
  },
  epsPullback: async (z, t, cotangent) => {
    const out = await identity.eps(z, t);
    return { out, vjp: cotangent(out) };
  },
};

/** eps(z)[i, j] = z[i, j] + 0.5 z[i, j + 1] (zero outside): mixes neighbours, so the border handling matters. */
const shift: EpsModel = {
  name: 'shift',
  outChannels: 3,
  integerTimesteps: false,
  eps: (z) => {
    const [c, h, w] = z.shape;
    const out = new Float32Array(z.data.length);
    for (let k = 0; k < c * h; k++) for (let j = 0; j < w; j++) out[k * w + j] = z.data[k * w + j] + (j + 1 < w ? 0.5 * z.data[k * w + j + 1] : 0);
    return Promise.resolve({ eps: tensor(z.shape, out) });
  },
  epsPullback: async (z, t, cotangent) => {
    const out = await shift.eps(z, t);
    const v = cotangent(out);
    const [c, h, w] = z.shape;
    const g = new Float32Array(z.data.length);
    for (let k = 0; k < c * h; k++) for (let j = 0; j < w; j++) g[k * w + j] = v.data[k * w + j] + (j > 0 ? 0.5 * v.data[k * w + j - 1] : 0);
    return { out, vjp: tensor(z.shape, g) };
  },
};

describe('padded network', () => {
  it('gives back exactly what an identity network gets, at odd sizes, and passes multiples through', async () => {
    for (const [h, w] of [
      [37, 50],
      [5, 3],
      [17, 64],
    ]) {
      const z = random([3, h, w], h * w);
      const padded = paddedEpsModel(identity, 8);
      const out = await padded.eps(z, 10);
      expect(out.eps.shape).toEqual([3, h, w]);
      expect(Array.from(out.eps.data)).toEqual(Array.from(z.data));
      const v = random([3, h, w], 7);
      const { vjp } = await padded.epsPullback(z, 10, () => v);
      expect(Array.from(vjp.data)).toEqual(Array.from(v.data));
    }
    expect(paddingFor(64, 40, 8)).toBeNull();
  });

  it('pads with an exact adjoint and crops back the original window', () => {
    const p = paddingFor(13, 10, 8)!;
    const x = random([2, 13, 10], 1);
    const u = random([2, 16, 16], 2);
    const gap = Math.abs(dot(padImage(x, p), u) - dot(x, padImageAdjoint(u, p)));
    expect(gap).toBeLessThan(1e-4 * Math.abs(dot(x, padImageAdjoint(u, p))));
    expect(Array.from(cropImage(padImage(x, p), p).data)).toEqual(Array.from(x.data));
    const v = random([2, 13, 10], 3);
    expect(dot(cropImage(u, p), v)).toBeCloseTo(dot(u, cropImage(v, p, true)), 4);
  });

  it("takes the network's gradient through the padding (finite differences on a network that mixes pixels)", async () => {
    const padded = paddedEpsModel(shift, 8);
    const z = random([3, 11, 13], 4);
    const v = random([3, 11, 13], 5);
    const d = random([3, 11, 13], 6);
    const { vjp } = await padded.epsPullback(z, 0, () => v);
    const h = 1e-2;
    const plus = await padded.eps(tensor(z.shape, z.data.map((x, i) => x + h * d.data[i])), 0);
    const minus = await padded.eps(tensor(z.shape, z.data.map((x, i) => x - h * d.data[i])), 0);
    const fd = (dot(plus.eps, v) - dot(minus.eps, v)) / (2 * h);
    expect(Math.abs(fd - dot(vjp, d))).toBeLessThan(1e-3 * Math.abs(fd));
  });
});
