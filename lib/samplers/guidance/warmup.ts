/**
 * SPGD's progressive likelihood warm-up with adaptive directional momentum
 * (spgd-algorithm.md section 4, the inner loop):
 *
 *   for j < N:  D_j = D(x, sigma);  g_j = dL/dx;  m = g_0 | b m + (1 - b) g_j  (b = beta w_j)
 *               x_prev = x;  x = x - eta (m if admApplied else g_j)
 *
 * Each iteration is one network forward plus one VJP. Returns the moved x, the state before
 * the last move, the last D (reused by the denoising step) and what the diagnostics need.
 */
import type { DenoisedLossDescription, Denoiser } from '../../diffusion/types';
import { DivergedError, throwIfCancelled } from '../../errors';
import { allFinite, type Tensor } from '../../tensor';
import { admUpdate, admWeight } from './adm';

export interface WarmupOptions {
  steps: number;
  eta: number;
  beta: number;
  admApplied: boolean;
  /** Outer step index, for error messages. */
  outerStep: number;
  signal?: AbortSignal;
}

/**
 * A data loss of D that also returns the residual it computed (for ||r|| and inspection). With a
 * `description` the denoiser may evaluate it in-graph and return the residual itself.
 */
export type ResidualLoss = ((d: Tensor) => { value: number; grad: Tensor; residual: Tensor }) & {
  readonly description?: DenoisedLossDescription;
};

export interface WarmupResult {
  x: Tensor;
  xPrev: Tensor;
  lastDenoised: Tensor;
  first: { denoised: Tensor; grad: Tensor; residual: Tensor };
  /** The final momentum (equal to the first gradient when steps = 1). */
  momentum: Tensor;
  /** ADM weights w_1..w_{N-1}. */
  weights: number[];
  /** L(D(x_j)) at each evaluation j. */
  losses: number[];
}

export async function likelihoodWarmup(
  denoiser: Denoiser,
  start: Tensor,
  sigma: number,
  loss: ResidualLoss,
  o: WarmupOptions,
): Promise<WarmupResult> {
  if (o.steps < 1) throw new RangeError('likelihood warm-up needs at least one step');
  let x = start;
  let xPrev = start;
  let m: Tensor | null = null;
  let first: WarmupResult['first'] | null = null;
  let lastDenoised: Tensor | null = null;
  const weights: number[] = [];
  const losses: number[] = [];
  for (let j = 0; j < o.steps; j++) {
    throwIfCancelled(o.signal);
    let r: Tensor | undefined; // set by `tracked` when the denoiser evaluates the loss through it
    const tracked = (d: Tensor) => {
      const l = loss(d);
      r = l.residual;
      return l;
    };
    const out = await denoiser.denoiseWithGrad(x, sigma, Object.assign(tracked, { description: loss.description }));
    if (out.residual) r = out.residual;
    const g = out.grad;
    if (!allFinite(g)) throw new DivergedError(o.outerStep, j);
    losses.push(out.loss);
    if (m === null) {
      if (!r) throw new Error('likelihood warm-up: the denoiser neither returned the residual nor evaluated the loss');
      m = g;
      first = { denoised: out.denoised, grad: g, residual: r };
    } else {
      const w = admWeight(g, m);
      weights.push(w);
      m = admUpdate(m, g, o.beta * w);
    }
    const dir = o.admApplied ? m : g;
    xPrev = x;
    const nx = new Float32Array(x.data.length);
    for (let k = 0; k < nx.length; k++) nx[k] = x.data[k] - o.eta * dir.data[k];
    x = { shape: x.shape, data: nx };
    if (!allFinite(x)) throw new DivergedError(o.outerStep, j);
    lastDenoised = out.denoised;
  }
  if (!lastDenoised || !first || !m) throw new Error('likelihood warm-up ran no step'); // steps >= 1 was checked above
  return { x, xPrev, lastDenoised, first, momentum: m, weights, losses };
}
