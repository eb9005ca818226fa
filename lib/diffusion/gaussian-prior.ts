import { tensor, type Tensor } from '../tensor';
import { alphaBarAt } from './ddpm';
import type { EpsModel, EpsOutput } from './types';
import { vpAlphaBar } from './vp';

/**
 * An exact epsilon "network" for Gaussian data x0 ~ N(mu, s^2 I), used to test samplers
 * against closed-form posteriors.
 *
 * With z = sqrt(abar) x0 + sqrt(1 - abar) n, the MMSE noise estimate is linear in z:
 *
 *   E[x0 | z] = mu + sqrt(abar) s^2 / (abar s^2 + 1 - abar) * (z - sqrt(abar) mu)
 *   eps(z, t) = (z - sqrt(abar) E[x0 | z]) / sqrt(1 - abar)
 *             = a z - a sqrt(abar) mu,   a = sqrt(1 - abar) / (abar s^2 + 1 - abar)
 *
 * so J_eps = a I and the VJP is exact. `schedule` picks abar(t):
 * - 'continuous': the VP process abar(t/999) = exp(-(0.1 tau + 9.95 tau^2)); then the VP
 *   denoiser D(x, sigma) is exactly the posterior mean mu + s^2/(s^2+sigma^2) (x - mu).
 * - 'discrete': the DDPM table (log-linear between integers), like a trained network; use it
 *   for DPS, which works on the table.
 */
export interface GaussianPriorOptions {
  /** Mean of the data, a scalar or a [3, H, W] tensor. */
  mean?: number | Tensor;
  /** Standard deviation of every pixel. */
  std?: number;
  schedule?: 'continuous' | 'discrete';
}

export class GaussianEpsModel implements EpsModel {
  readonly name = 'gaussian';
  readonly outChannels = 3 as const;
  readonly integerTimesteps = false;
  readonly mean: number | Tensor;
  readonly std: number;
  readonly schedule: 'continuous' | 'discrete';

  constructor({ mean = 0, std = 0.5, schedule = 'continuous' }: GaussianPriorOptions = {}) {
    if (!(std > 0)) throw new RangeError(`gaussian prior std must be > 0, got ${std}`);
    this.mean = mean;
    this.std = std;
    this.schedule = schedule;
  }

  alphaBar(t: number): number {
    return this.schedule === 'continuous' ? vpAlphaBar(t / 999) : alphaBarAt(t);
  }

  /** Slope a of eps = a (z - sqrt(abar) mu). */
  slope(t: number): number {
    const ab = this.alphaBar(t);
    return Math.sqrt(1 - ab) / (ab * this.std ** 2 + 1 - ab);
  }

  private meanAt(i: number): number {
    return typeof this.mean === 'number' ? this.mean : this.mean.data[i];
  }

  eps(z: Tensor, t: number): Promise<EpsOutput> {
    if (typeof this.mean !== 'number' && this.mean.data.length !== z.data.length) {
      return Promise.reject(new RangeError(`gaussian prior mean has ${this.mean.data.length} elements, input has ${z.data.length}`));
    }
    const a = this.slope(t);
    const sab = Math.sqrt(this.alphaBar(t));
    const out = new Float32Array(z.data.length);
    for (let i = 0; i < out.length; i++) out[i] = a * (z.data[i] - sab * this.meanAt(i));
    return Promise.resolve({ eps: tensor(z.shape, out) });
  }

  async epsPullback(z: Tensor, t: number, cotangent: (out: EpsOutput) => Tensor) {
    const out = await this.eps(z, t);
    const v = cotangent(out);
    const a = this.slope(t);
    const g = new Float32Array(v.data.length);
    for (let i = 0; i < g.length; i++) g[i] = a * v.data[i];
    return { out, vjp: tensor(z.shape, g) };
  }
}
