import type { Tensor } from '../tensor';
import type { DenoisedLoss, DenoisedWithGrad, Denoiser, EpsModel } from './types';

/**
 * VP preconditioning of an epsilon network (spgd-algorithm.md section 1):
 *
 *   c_in(sigma) = 1 / sqrt(1 + sigma^2)
 *   tau(sigma)  = (sqrt(bmin^2 + 2 bd ln(1 + sigma^2)) - bmin) / bd,   bmin = 0.1, bd = 19.9
 *   t(sigma)    = 999 tau(sigma)                (fractional; rounded only for integer-t models)
 *   D(x, sigma) = x - sigma * eps(c_in x, t(sigma))
 *
 * and its pullback  dL/dx = J_D^T u = u - sigma c_in J_eps^T u  for u = dL/dD.
 * When the loss carries a description and the model can fuse it (`EpsModel.fusedVpLossGrad`,
 * e.g. OrtEpsModel with an operator that has an ONNX form), the whole step runs in one backend
 * call instead.
 */
const VP_BETA_MIN = 0.1;
const VP_BETA_D = 19.9;

export function cIn(sigma: number): number {
  return 1 / Math.sqrt(1 + sigma * sigma);
}

/** The continuous VP time tau in [0, 1] whose noise level is sigma. */
function sigmaToTau(sigma: number): number {
  return (Math.sqrt(VP_BETA_MIN ** 2 + 2 * VP_BETA_D * Math.log1p(sigma * sigma)) - VP_BETA_MIN) / VP_BETA_D;
}

/** The fractional DDPM timestep for noise level sigma (sigma=1 -> 258.70). */
export function sigmaToTimestep(sigma: number): number {
  return 999 * sigmaToTau(sigma);
}

/** abar of the continuous VP process at tau: exp(-(bmin tau + bd tau^2 / 2)) = 1 / (1 + sigma^2). */
export function vpAlphaBar(tau: number): number {
  return Math.exp(-(VP_BETA_MIN * tau + 0.5 * VP_BETA_D * tau * tau));
}

export interface VpDenoiserOptions {
  /** Pass round(t) to the network (for models trained on integer timesteps only). */
  roundTimesteps?: boolean;
  /**
   * Let a model with `fusedVpLossGrad` evaluate a described loss (and its gradient) in its own
   * graph, one backend call per guidance step. Default true; false always takes `epsPullback`.
   */
  fuse?: boolean;
}

export function vpDenoiser(model: EpsModel, options: VpDenoiserOptions = {}): Denoiser {
  const round = options.roundTimesteps ?? model.integerTimesteps;
  const fuse = options.fuse ?? true;
  const timestep = (sigma: number) => (round ? Math.round(sigmaToTimestep(sigma)) : sigmaToTimestep(sigma));

  const scaledInput = (x: Tensor, sigma: number): Tensor => {
    const c = cIn(sigma);
    const z = new Float32Array(x.data.length);
    for (let i = 0; i < z.length; i++) z[i] = c * x.data[i];
    return { shape: x.shape, data: z };
  };
  const combine = (x: Tensor, eps: Tensor, sigma: number): Tensor => {
    const d = new Float32Array(x.data.length);
    for (let i = 0; i < d.length; i++) d[i] = x.data[i] - sigma * eps.data[i];
    return { shape: x.shape, data: d };
  };

  const epsBatch = model.epsBatch?.bind(model);
  const fusedBatch = model.fusedVpLossGradBatch?.bind(model);
  return {
    name: `vp(${model.name})`,
    async denoise(x, sigma) {
      const { eps } = await model.eps(scaledInput(x, sigma), timestep(sigma));
      return combine(x, eps, sigma);
    },
    async denoiseWithGrad(x, sigma, loss: DenoisedLoss): Promise<DenoisedWithGrad> {
      if (fuse && loss.description && model.fusedVpLossGrad) {
        const fused = await model.fusedVpLossGrad(x, { sigma, cIn: cIn(sigma), t: timestep(sigma) }, loss.description);
        if (fused) return fused;
      }
      // Set by the cotangent callback, which epsPullback calls once.
      let denoised: Tensor | undefined;
      let lossValue = NaN;
      let dLdD: Tensor | undefined;
      // J_D^T u = u - sigma c_in J_eps^T u: the network only needs cotangent -sigma c_in u.
      const k = -sigma * cIn(sigma);
      const { vjp } = await model.epsPullback(scaledInput(x, sigma), timestep(sigma), ({ eps }) => {
        denoised = combine(x, eps, sigma);
        const l = loss(denoised);
        lossValue = l.value;
        dLdD = l.grad;
        const v = new Float32Array(l.grad.data.length);
        for (let i = 0; i < v.length; i++) v[i] = k * l.grad.data[i];
        return { shape: l.grad.shape, data: v };
      });
      if (!denoised || !dLdD) throw new Error('epsPullback did not call its cotangent function');
      const u = dLdD.data;
      const grad = new Float32Array(u.length);
      for (let i = 0; i < u.length; i++) grad[i] = u[i] + vjp.data[i];
      return { denoised, loss: lossValue, grad: { shape: x.shape, data: grad } };
    },
    ...(epsBatch
      ? {
          async denoiseBatch(xs: readonly Tensor[], sigma: number) {
            const outs = await epsBatch(
              xs.map((x) => scaledInput(x, sigma)),
              timestep(sigma),
            );
            return outs.map(({ eps }, k) => combine(xs[k], eps, sigma));
          },
        }
      : {}),
    ...(fusedBatch
      ? {
          denoiseWithGradBatch(xs: readonly Tensor[], sigma: number, losses: readonly DenoisedLoss[]) {
            // One fused run evaluates one loss: every image's must describe the same operator and y.
            const d = losses[0]?.description;
            const same = losses.every((l) => l.description?.operator === d?.operator && l.description?.y === d?.y);
            if (!fuse || !d || !same) return Promise.resolve(null);
            return fusedBatch(xs, { sigma, cIn: cIn(sigma), t: timestep(sigma) }, d);
          },
        }
      : {}),
  };
}
