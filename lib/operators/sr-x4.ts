/**
 * x4 super-resolution with an antialiased bicubic downsampler (docs: spgd-algorithm.md section 6).
 *
 *   (A x)_c = Wh x_c Ww^T,   (A^T y)_c = Wh^T y_c Ww,   `[C, H, W] -> [C, H/4, W/4]`
 *
 * W (`(H/4) x H`, `kernels/bicubic.ts`): output i is centred on input 4i + 1.5 and reads the 16
 * inputs 4i-6 .. 4i+9 with weights keysCubic((4i + 1.5 - p) / 4) / 4 (Keys a = -0.5),
 * half-sample symmetric boundary with edge repetition, folded taps accumulated. H and W must be
 * divisible by 4. Deterministic: no state to store.
 *
 * proxL2 is exact and cheap. With b = A^T y + rho z, Woodbury gives
 *   (A^T A + rho I)^-1 b = (b - A^T (A A^T + rho I)^-1 A b) / rho,
 * and A A^T = (Wh Wh^T) kron (Ww Ww^T) is separable with small (H/4 x H/4) factors:
 * Wh Wh^T = Vh Dh Vh^T, so (A A^T + rho I)^-1 v = Vh [(Vh^T v Vw) / (dh_i dw_j + rho)] Vw^T.
 * The eigendecompositions are computed once, on first use, in float64.
 *
 * ONNX form: `MatMul(MatMul(Wh, x), Ww^T)` with the dense matrices fed at run time. Classical
 * estimate: bicubic upsampling of y (`kernels/bicubic.ts`).
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
import { bandedGram, sandwich } from './kernels/dense';
import { symmetricEig, type SymmetricEig } from './kernels/symmetric-eig';
import { denseMatrix, formNames, onnxNode } from './onnx-form';
import { expectShape, imageShapeIssue } from './shape';
import type { LinearOperator, OperatorDef } from './types';

const FACTOR = 4;

const params = z.strictObject({});

export type SrX4Params = z.infer<typeof params>;

function srX4Operator(inShape: readonly number[]): LinearOperator {
  const [c, h, w] = inShape;
  const h4 = h / FACTOR;
  const w4 = w / FACTOR;
  const shape = [c, h, w];
  const outShape = [c, h4, w4];
  const wh = bicubicDownMatrix(h, FACTOR);
  const ww = w === h ? wh : bicubicDownMatrix(w, FACTOR);
  const whT = transposeBanded(wh);
  const wwT = w === h ? whT : transposeBanded(ww);
  const scratch = new Float64Array(c * Math.max(h * w4, h4 * w));

  let eig: { h: SymmetricEig; w: SymmetricEig } | null = null;
  const eigs = () => {
    if (!eig) {
      const eh = symmetricEig(bandedGram(wh), h4);
      eig = { h: eh, w: w === h ? eh : symmetricEig(bandedGram(ww), w4) };
    }
    return eig;
  };

  const apply = (t: Tensor, expect: number[], mh: BandedMatrix, mw: BandedMatrix, out: number[], what: string): Tensor => {
    expectShape(t, expect, `sr-x4 ${what}`);
    const data = new Float32Array(out[0] * out[1] * out[2]);
    applySeparable(t.data, c, mh, mw, data, scratch);
    return { shape: [...out], data };
  };

  return {
    task: 'sr-x4',
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
        key: `sr-x4:${c}x${h}x${w}`,
        inShape: [1, c, h, w],
        outShape: [1, c, h4, w4],
        input,
        output,
        nodes: [onnxNode(`${p}MatMul_rows`, 'MatMul', [whName, input], [rows]), onnxNode(`${p}MatMul_cols`, 'MatMul', [rows, wwtName], [output])],
        initializers: [],
        feeds: [
          { name: whName, dims: [h4, h], data: denseMatrix(wh, false) },
          { name: wwtName, dims: [w, w4], data: denseMatrix(ww, true) },
        ],
      };
    },
    classicalEstimate(y) {
      expectShape(y, outShape, 'sr-x4 y');
      return bicubicUpsample(y, FACTOR);
    },
    proxL2(z, y, rho) {
      expectShape(z, shape, 'sr-x4 z');
      expectShape(y, outShape, 'sr-x4 y');
      if (!(rho > 0)) throw new SpgdError('BAD_INPUT', `sr-x4: proxL2 needs rho > 0, got ${rho}`);
      const { h: eh, w: ew } = eigs();
      const n = c * h * w;
      const m = c * h4 * w4;
      // b = A^T y + rho z
      const b = new Float64Array(n);
      applySeparable(y.data, c, whT, wwT, b, scratch);
      for (let i = 0; i < n; i++) b[i] += rho * z.data[i];
      // u = (A A^T + rho I)^-1 A b, channel by channel in the eigenbasis
      const v = new Float64Array(m);
      applySeparable(b, c, wh, ww, v, scratch);
      const t = new Float64Array(h4 * w4);
      const tmp = new Float64Array(h4 * w4);
      const u = new Float64Array(m);
      for (let k = 0; k < c; k++) {
        const off = k * h4 * w4;
        sandwich(eh.vectors, true, v, off, h4, w4, ew.vectors, false, t, 0, tmp);
        for (let i = 0; i < h4; i++) {
          for (let j = 0; j < w4; j++) t[i * w4 + j] /= eh.values[i] * ew.values[j] + rho;
        }
        sandwich(eh.vectors, false, t, 0, h4, w4, ew.vectors, true, u, off, tmp);
      }
      // x = (b - A^T u) / rho
      const atu = new Float64Array(n);
      applySeparable(u, c, whT, wwT, atu, scratch);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = (b[i] - atu[i]) / rho;
      return { shape: [...shape], data: out };
    },
  };
}

export const srX4: OperatorDef<SrX4Params> = {
  id: 'sr-x4',
  description: 'x4 super-resolution: antialiased bicubic downsampling (Keys a = -0.5, 16 taps per output)',
  params,
  shapeErrorCode: 'SHAPE_MISMATCH',
  examples: [{ inShape: [3, 64, 64] }, { inShape: [3, 48, 64] }, { inShape: [1, 8, 12] }],
  checkShape(inShape) {
    const generic = imageShapeIssue(inShape);
    if (generic) return generic;
    if (inShape[1] % FACTOR !== 0 || inShape[2] % FACTOR !== 0) {
      return `sr-x4 needs height and width divisible by ${FACTOR}, got ${inShape[1]}x${inShape[2]}`;
    }
    return null;
  },
  outShape: (inShape) => [inShape[0], inShape[1] / FACTOR, inShape[2] / FACTOR],
  inShapeFor: (outShape) => [outShape[0], outShape[1] * FACTOR, outShape[2] * FACTOR],
  create: (inShape) => srX4Operator(inShape),
  fromState: (inShape) => srX4Operator(inShape),
};
