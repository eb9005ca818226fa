/**
 * Classical baselines (no prior network), one per task, shaped as a one-step sampler so they
 * run through the same loop, CLI and reports as the diffusion methods:
 *
 * - sr-x4: bicubic upsampling of y (Keys a = -0.5, half-sample symmetric boundary).
 * - blurs: Tikhonov-regularised (Wiener with a white prior) deconvolution
 *   x = argmin ||A x - y||^2 + lambda ||x - mean(y)||^2, solved exactly (conjugate gradient).
 * - inpainting: interpolation fill -- observed pixels kept, missing ones filled by normalised
 *   Gaussian convolution at growing scales, then smoothed by harmonic (Laplace) relaxation.
 *
 * @example
 *   const { sample } = await runSampler(createClassical({}), { operator, measurement: y, rng });
 */
import { z } from 'zod';
import { bandedFromRows, applySeparable } from '../operators/kernels/banded';
import { keysCubic } from '../operators/kernels/bicubic';
import { symmetricIndex } from '../operators/kernels/reflect-pad';
import { applySeparablePlan, separablePlan } from '../operators/kernels/separable-correlate';
import { gaussianTaps1d } from '../operators/gen/gaussian-kernel';
import { proxL2 } from '../operators/solve';
import type { LinearOperator } from '../operators/types';
import { clip, norm, type Tensor } from '../tensor';
import { residual } from './guidance/likelihood';
import { qualityVsTruth } from './quality';
import type { Sampler, StepResult } from './types';

export const classicalParams = z.object({
  /** Tikhonov weight for the blurs. */
  lambda: z.number().positive().max(10).default(0.02),
  /** Harmonic relaxation sweeps for inpainting. */
  sweeps: z.number().int().min(0).max(5000).default(300),
});
export type ClassicalParams = z.infer<typeof classicalParams>;

interface ClassicalState {
  x: Tensor | null;
}

/** Bicubic x4 upsampling, [C, h, w] -> [C, 4h, 4w]. */
export function bicubicUpsample(y: Tensor, factor = 4): Tensor {
  const [c, h, w] = y.shape;
  const up = (n: number) =>
    bandedFromRows(n * factor, n, (i, add) => {
      const src = (i + 0.5) / factor - 0.5;
      for (let p = Math.floor(src) - 1; p <= Math.floor(src) + 2; p++) add(symmetricIndex(p, n), keysCubic(src - p));
    });
  const out = new Float32Array(c * h * factor * w * factor);
  applySeparable(y.data, c, up(h), up(w), out);
  return { shape: [c, h * factor, w * factor], data: out };
}

/** Normalised-convolution fill plus harmonic relaxation of the missing pixels. */
export function interpolationFill(y: Tensor, mask: Tensor, sweeps: number): Tensor {
  const [c, h, w] = y.shape;
  const hw = h * w;
  const m = mask.data;
  const x = Float32Array.from(y.data);
  const filled = Uint8Array.from(m, (v) => (v > 0.5 ? 1 : 0));
  // Coarse fill: at growing scales, blur(y * m) / blur(m) for pixels still unfilled.
  for (let std = 1; filled.includes(0) && std <= Math.max(h, w); std *= 2) {
    const taps = gaussianTaps1d(std, Math.min(Math.ceil(3 * std), Math.floor((Math.min(h, w) - 1) / 2)));
    const r = (taps.length - 1) / 2;
    const plan = separablePlan(c + 1, h, w, taps, r, taps, r);
    const src = new Float32Array((c + 1) * hw);
    for (let k = 0; k < c; k++) for (let p = 0; p < hw; p++) src[k * hw + p] = m[p] > 0.5 ? y.data[k * hw + p] : 0;
    for (let p = 0; p < hw; p++) src[c * hw + p] = m[p] > 0.5 ? 1 : 0;
    const dst = new Float32Array((c + 1) * hw);
    applySeparablePlan(plan, src, dst, false);
    for (let p = 0; p < hw; p++) {
      if (filled[p] || dst[c * hw + p] < 1e-3) continue;
      for (let k = 0; k < c; k++) x[k * hw + p] = dst[k * hw + p] / dst[c * hw + p];
      filled[p] = 1;
    }
  }
  // Harmonic relaxation (Gauss-Seidel on the 4-neighbour Laplacian) of the missing pixels only.
  for (let s = 0; s < sweeps; s++) {
    for (let k = 0; k < c; k++) {
      const off = k * hw;
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          const p = i * w + j;
          if (m[p] > 0.5) continue;
          let sum = 0;
          let n = 0;
          for (const [ok, q] of [
            [i > 0, p - w],
            [i < h - 1, p + w],
            [j > 0, p - 1],
            [j < w - 1, p + 1],
          ] as const) {
            if (!ok) continue;
            sum += x[off + q];
            n++;
          }
          x[off + p] = sum / n;
        }
    }
  }
  return { shape: [c, h, w], data: x };
}

function restoreClassically(op: LinearOperator, y: Tensor, p: ClassicalParams): Tensor {
  switch (op.task) {
    case 'sr-x4':
      return bicubicUpsample(y);
    case 'inpaint-random':
    case 'inpaint-box':
      return interpolationFill(y, op.state.mask!, p.sweeps);
    case 'gaussian-blur':
    case 'motion-blur': {
      let mean = 0;
      for (const v of y.data) mean += v / y.data.length;
      const z: Tensor = { shape: op.inShape, data: new Float32Array(y.data.length).fill(mean) };
      return proxL2(op, z, y, p.lambda, { tol: 1e-6, maxIter: 500 });
    }
  }
}

export function createClassical(input: Partial<ClassicalParams>): Sampler<ClassicalState> {
  const p = classicalParams.parse(input);
  return {
    method: 'classical',
    steps: 1,
    nfe: { forward: 0, vjp: 0 },
    init: () => ({ x: null }),
    async step(_state, ctx): Promise<StepResult<ClassicalState>> {
      const x = restoreClassically(ctx.operator, ctx.measurement, p);
      const r = residual(ctx.operator, x, ctx.measurement);
      return {
        state: { x },
        trace: {
          step: 0,
          sigma: 0,
          t: 0,
          stepSize: NaN,
          residualNorm: norm(r),
          gradNorm: NaN,
          admWeights: [],
          conflict: NaN,
          fluctuationRaw: NaN,
          fluctuationAdm: NaN,
          priorStability: NaN,
          nfe: { forward: 0, vjp: 0 },
          ...qualityVsTruth(x, ctx.groundTruth),
        },
      };
    },
    finish: (state) => clip(state.x!, -1, 1),
  };
}
