/**
 * Shared construction of the super-resolution operators (sr-x2, sr-x4): an antialiased bicubic
 * downsampler by a factor f (docs: spgd-algorithm.md section 6, for f = 4).
 *
 *   (A x)_c = Wh x_c Ww^T,   (A^T y)_c = Wh^T y_c Ww,   `[C, H, W] -> [C, H/f, W/f]`
 *
 * W (`(H/f) x H`, `kernels/bicubic.ts`): output i is centred on input f i + (f - 1)/2 and reads
 * the 4f inputs around it with weights keysCubic((centre - p) / f) / f (Keys a = -0.5; for f = 4
 * the 16 inputs 4i-6 .. 4i+9), half-sample symmetric boundary with edge repetition, folded taps
 * accumulated. H and W must be divisible by f. Deterministic: no state to store.
 *
 * proxL2 is exact and cheap. With b = A^T y + rho z, Woodbury gives
 *   (A^T A + rho I)^-1 b = (b - A^T (A A^T + rho I)^-1 A b) / rho,
 * and A A^T = (Wh Wh^T) kron (Ww Ww^T) is separable with small (H/f x H/f) factors:
 * Wh Wh^T = Vh Dh Vh^T, so (A A^T + rho I)^-1 v = Vh [(Vh^T v Vw) / (dh_i dw_j + rho)] Vw^T.
 * The eigendecompositions are computed once, on first use, in float64. The pseudo-inverse is
 * exact, A^+ y = A^T (A A^T)^-1 y, through the same eigendecompositions.
 *
 * ONNX form: `MatMul(MatMul(Wh, x), Ww^T)` with the dense matrices fed at run time. Classical
 * estimate: bicubic upsampling of y by f (`kernels/bicubic.ts`).
 *
 * @example
 * const op = createOperator('sr-x4', [3, 256, 256], {}, rng);
 * op.outShape; // [3, 64, 64]
 */
import { z } from 'zod';
import { SpgdError } from '../errors';
import type { Tensor } from '../tensor';
import { applySeparable, transposeBanded, type BandedMatrix } from './kernels/banded';
import { bicubicDownMatrix, bicubicUpsample } from './kernels/bicubic';
import { bandedGram, solveKroneckerEig } from './kernels/dense';
import { symmetricEig, type SymmetricEig } from './kernels/symmetric-eig';
import { denseMatrix, formNames, onnxNode } from './onnx-form';
import { expectShape, imageShapeIssue } from './shape';
import type { LinearOperator, OperatorDef, TaskName } from './types';

const params = z.strictObject({});

export type SuperResolutionParams = z.infer<typeof params>;

type SrTask = Extract<TaskName, `sr-x${number}`>;

function superResolutionOperator(task: SrTask, factor: number, inShape: readonly number[]): LinearOperator {
  const [c, h, w] = inShape;
  const hs = h / factor;
  const ws = w / factor;
  const shape = [c, h, w];
  const outShape = [c, hs, ws];
  const wh = bicubicDownMatrix(h, factor);
  const ww = w === h ? wh : bicubicDownMatrix(w, factor);
  const whT = transposeBanded(wh);
  const wwT = w === h ? whT : transposeBanded(ww);
  const scratch = new Float64Array(c * Math.max(h * ws, hs * w));

  let eig: { h: SymmetricEig; w: SymmetricEig } | null = null;
  const eigs = () => {
    if (!eig) {
      const eh = symmetricEig(bandedGram(wh), hs);
      eig = { h: eh, w: w === h ? eh : symmetricEig(bandedGram(ww), ws) };
    }
    return eig;
  };

  /** (A A^T + shift I)^-1 v for v `[C, H/f, W/f]`, channel by channel in the eigenbasis. */
  const solveGram = (v: Float64Array, shift: number): Float64Array => {
    const { h: eh, w: ew } = eigs();
    return solveKroneckerEig(eh, ew, c, v, shift);
  };

  const apply = (t: Tensor, expect: number[], mh: BandedMatrix, mw: BandedMatrix, out: number[], what: string): Tensor => {
    expectShape(t, expect, `${task} ${what}`);
    const data = new Float32Array(out[0] * out[1] * out[2]);
    applySeparable(t.data, c, mh, mw, data, scratch);
    return { shape: [...out], data };
  };

  return {
    task,
    inShape: shape,
    outShape,
    state: {},
    forward: (x) => apply(x, shape, wh, ww, outShape, 'x'),
    adjoint: (y) => apply(y, outShape, whT, wwT, shape, 'y'),
    onnxForm(names) {
      const { input, output, prefix: p } = formNames(names);
      const whName = `${p}w_h`;
      const wwtName = `${p}w_w_t`;
      const rows = `${p}rows`;
      return {
        key: `${task}:${c}x${h}x${w}`,
        inShape: [1, c, h, w],
        outShape: [1, c, hs, ws],
        input,
        output,
        nodes: [onnxNode(`${p}MatMul_rows`, 'MatMul', [whName, input], [rows]), onnxNode(`${p}MatMul_cols`, 'MatMul', [rows, wwtName], [output])],
        initializers: [],
        feeds: [
          { name: whName, dims: [hs, h], data: denseMatrix(wh, false) },
          { name: wwtName, dims: [w, ws], data: denseMatrix(ww, true) },
        ],
      };
    },
    classicalEstimate(y) {
      expectShape(y, outShape, `${task} y`);
      return bicubicUpsample(y, factor);
    },
    pseudoInverse(y) {
      // A^+ = A^T (A A^T)^-1: W W^T is small and well conditioned for the antialiased bicubic,
      // so the inverse is exact, not regularised.
      expectShape(y, outShape, `${task} y`);
      const u = solveGram(Float64Array.from(y.data), 0);
      const data = new Float32Array(c * h * w);
      applySeparable(u, c, whT, wwT, data, scratch);
      return { shape: [...shape], data };
    },
    proxL2(z, y, rho) {
      expectShape(z, shape, `${task} z`);
      expectShape(y, outShape, `${task} y`);
      if (!(rho > 0)) throw new SpgdError('BAD_INPUT', `${task}: proxL2 needs rho > 0, got ${rho}`);
      const n = c * h * w;
      const m = c * hs * ws;
      // b = A^T y + rho z
      const b = new Float64Array(n);
      applySeparable(y.data, c, whT, wwT, b, scratch);
      for (let i = 0; i < n; i++) b[i] += rho * z.data[i];
      // u = (A A^T + rho I)^-1 A b
      const v = new Float64Array(m);
      applySeparable(b, c, wh, ww, v, scratch);
      const u = solveGram(v, rho);
      // x = (b - A^T u) / rho
      const atu = new Float64Array(n);
      applySeparable(u, c, whT, wwT, atu, scratch);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = (b[i] - atu[i]) / rho;
      return { shape: [...shape], data: out };
    },
  };
}

/** The registry entry of super-resolution by `factor`. */
export function superResolution(task: SrTask, factor: number): OperatorDef<SuperResolutionParams> {
  return {
    id: task,
    description: `x${factor} super-resolution: antialiased bicubic downsampling (Keys a = -0.5, ${4 * factor} taps per output)`,
    params,
    shapeErrorCode: 'SHAPE_MISMATCH',
    examples: [{ inShape: [3, 16 * factor, 16 * factor] }, { inShape: [3, 12 * factor, 16 * factor] }, { inShape: [1, 2 * factor, 3 * factor] }],
    checkShape(inShape) {
      const generic = imageShapeIssue(inShape);
      if (generic) return generic;
      if (inShape[1] % factor !== 0 || inShape[2] % factor !== 0) {
        return `${task} needs height and width divisible by ${factor}, got ${inShape[1]}x${inShape[2]}`;
      }
      return null;
    },
    outShape: (inShape) => [inShape[0], inShape[1] / factor, inShape[2] / factor],
    inShapeFor: (outShape) => [outShape[0], outShape[1] * factor, outShape[2] * factor],
    create: (inShape) => superResolutionOperator(task, factor, inShape),
    fromState: (inShape) => superResolutionOperator(task, factor, inShape),
  };
}
