import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { tensor } from '../tensor';
import { alphaBarAt, ddpmTables } from './ddpm';
import { GaussianEpsModel } from './gaussian-prior';
import { karrasSigmas } from './karras';
import { cIn, sigmaToTimestep, vpAlphaBar, vpDenoiser } from './vp';

describe('DDPM tables', () => {
  it('has the linear schedule and its cumulative product', () => {
    const { betas, alphaBar } = ddpmTables();
    expect(betas[0]).toBeCloseTo(1e-4, 12);
    expect(betas[999]).toBeCloseTo(0.02, 12);
    expect(alphaBar[0]).toBeCloseTo(1 - 1e-4, 12);
    expect(alphaBar[1]).toBeCloseTo((1 - 1e-4) * (1 - betas[1]), 12);
    // Known value of the guided-diffusion linear schedule at t = 999 (~4.04e-5).
    expect(alphaBar[999]).toBeGreaterThan(3.9e-5);
    expect(alphaBar[999]).toBeLessThan(4.2e-5);
  });

  it('interpolates log(abar) at fractional timesteps', () => {
    const { alphaBar } = ddpmTables();
    expect(alphaBarAt(10)).toBeCloseTo(alphaBar[10], 14);
    expect(alphaBarAt(10.5)).toBeCloseTo(Math.sqrt(alphaBar[10] * alphaBar[11]), 14);
    expect(() => alphaBarAt(1000)).toThrow(/outside/);
  });
});

describe('VP preconditioning', () => {
  it('maps sigma to the fractional timesteps listed in the algorithm page', () => {
    expect(sigmaToTimestep(100)).toBeCloseTo(956.15, 2);
    expect(sigmaToTimestep(10)).toBeCloseTo(675.37, 2);
    expect(sigmaToTimestep(1)).toBeCloseTo(258.7, 2);
    expect(sigmaToTimestep(0.1)).toBeCloseTo(26.97, 2);
  });

  it('is consistent: abar(t(sigma)) = 1 / (1 + sigma^2) = c_in^2', () => {
    for (const s of [0.05, 0.3, 1, 7, 80]) {
      expect(vpAlphaBar(sigmaToTimestep(s) / 999)).toBeCloseTo(1 / (1 + s * s), 10);
      expect(cIn(s) ** 2).toBeCloseTo(1 / (1 + s * s), 12);
    }
  });

  it('turns the Gaussian epsilon model into the exact posterior mean', async () => {
    const rng = new Rng(1);
    const mean = tensor([3, 4, 5], rng.normals(60));
    const prior = new GaussianEpsModel({ mean, std: 0.4 });
    const D = vpDenoiser(prior);
    const x = tensor([3, 4, 5], rng.normals(60));
    for (const sigma of [0.1, 1, 20]) {
      const d = await D.denoise(x, sigma);
      const k = 0.16 / (0.16 + sigma * sigma);
      for (let i = 0; i < 60; i++) expect(d.data[i]).toBeCloseTo(mean.data[i] + k * (x.data[i] - mean.data[i]), 5);
    }
  });

  it('gives dL/dx = J_D^T dL/dD (checked by central differences)', async () => {
    const rng = new Rng(2);
    const D = vpDenoiser(new GaussianEpsModel({ mean: 0.1, std: 0.5 }));
    const x = tensor([3, 2, 2], rng.normals(12));
    const target = rng.normals(12);
    const loss = (d: { data: Float32Array; shape: readonly number[] }) => {
      let v = 0;
      const g = new Float32Array(12);
      for (let i = 0; i < 12; i++) {
        const e = d.data[i] - target[i];
        v += e * e * e * e;
        g[i] = 4 * e * e * e;
      }
      return { value: v, grad: tensor(d.shape, g) };
    };
    const sigma = 0.7;
    const { grad } = await D.denoiseWithGrad(x, sigma, loss);
    const h = 1e-2;
    for (let i = 0; i < 12; i++) {
      const xp = tensor(x.shape, x.data.slice());
      const xm = tensor(x.shape, x.data.slice());
      xp.data[i] += h;
      xm.data[i] -= h;
      const fd = (loss(await D.denoise(xp, sigma)).value - loss(await D.denoise(xm, sigma)).value) / (2 * h);
      expect(grad.data[i]).toBeCloseTo(fd, 2);
    }
  });
});

describe('Karras grid', () => {
  it('matches the values in the algorithm page for T = 100', () => {
    const s = karrasSigmas({ steps: 100 });
    expect(s.length).toBe(101);
    const expected = [100, 95.648, 91.46, 87.43, 83.553];
    expected.forEach((v, i) => expect(s[i]).toBeCloseTo(v, 2));
    expect(s[99]).toBeCloseTo(0.1, 10);
    expect(s[100]).toBe(0);
    for (let i = 1; i < 100; i++) expect(s[i]).toBeLessThan(s[i - 1]);
  });

  it('rejects bad grids', () => {
    expect(() => karrasSigmas({ steps: 0 })).toThrow();
    expect(() => karrasSigmas({ steps: 10, sigmaMax: 0.1, sigmaMin: 1 })).toThrow();
  });
});
