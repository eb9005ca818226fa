/**
 * Shared construction of the two blur operators (gaussian-blur, motion-blur).
 *
 *   (A x)_c = correlate(reflectpad(x_c, p), K),   K of odd size k x k, p = (k-1)/2
 *   (A^T y)_c = fold_p(convolve_full(y_c, K))     (correlate with the 180-degree-rotated kernel
 *                                                  on zero-padded y, then fold the border back)
 *
 * Reflection is without edge repeat (index -j -> j) and the kernel is not flipped (PyTorch
 * conv2d / scipy.ndimage.correlate semantics). Two exact implementations, picked from the kernel:
 * - rank-one kernels (Gaussian): two 1-D passes over the nonzero taps, reflection by index maps
 *   and the adjoint's fold done per axis (`kernels/separable-correlate.ts`);
 * - anything else (motion): FFT correlation over the kernel's nonzero bounding box
 *   (`kernels/fft-correlate.ts`), padding as an index-map gather and its fold as the adjoint.
 * Axis-symmetric kernels also get `normalPreconditioner` (`kernels/circulant-precond.ts`) for
 * the preconditioned CG in `solve.ts`.
 *
 * ONNX form: `Conv(Pad_reflect(x), K)` on K's nonzero bounding box (ONNX Pad 'reflect' does not
 * repeat the edge, and Conv is cross-correlation, as here); a rank-one box (the Gaussian) as a
 * column Conv then a row Conv. Classical estimate: Tikhonov (Wiener with a white prior)
 * deconvolution, argmin ||A x - y||^2 + lambda ||x - mean(y)||^2. Pseudo-inverse: Tikhonov,
 * (A^T A + rho I)^-1 A^T y. Both, and DiffPIR's data step, go through proxL2: exact for rank-one
 * kernels up to EXACT_SOLVE_MAX_SIZE (`kernels/separable-normal.ts`), else (P)CG (`solve.ts`).
 */
import { SpgdError } from '../errors';
import { attr, makeTensor } from '../onnx/attrs';
import type { OperatorOnnxForm } from '../onnx/operator-form';
import { DataType } from '../onnx/proto';
import type { Tensor } from '../tensor';
import { CirculantNormalPreconditioner, type PreconditionerBoundary } from './kernels/circulant-precond';
import { FftCorrelator } from './kernels/fft-correlate';
import { foldWindow2d, gatherWindow2d, reflectWindow } from './kernels/reflect-pad';
import { SeparableNormalSolver } from './kernels/separable-normal';
import { applySeparablePlan, factorSeparable, separablePlan } from './kernels/separable-correlate';
import { formNames, onnxNode } from './onnx-form';
import { expectShape } from './shape';
import { proxL2 } from './solve';
import type { LinearOperator, TaskName } from './types';

export interface BlurOptions {
  /** Skip the rank-one test and always use the FFT path. */
  forceFft?: boolean;
  /** FFT lengths restricted to powers of two (benchmark comparison). */
  pow2Only?: boolean;
  /**
   * CG preconditioner (`kernels/circulant-precond.ts`). 'auto' (default): 'reflect' for a
   * kernel symmetric in each axis (Gaussian, disk), none otherwise (see `preconditionerFor`).
   */
  preconditioner?: 'auto' | 'none' | PreconditionerBoundary;
}

/** CG stopping rule of the Tikhonov pseudo-inverse by default (DiffPIR's data step uses the same tolerance). */
const PSEUDO_INVERSE_CG = { tol: 1e-4, maxIter: 200 };

/**
 * Largest side for the separable kernels' exact solver (`kernels/separable-normal.ts`): its cost
 * grows as H^2 W + H W^2, (P)CG's as H W log(H W) per iteration. Per solve, 3-channel std-3
 * Gaussian (`npm run bench:operators`, bench/results/operators.md): at 128 px exact
 * 32 ms vs (P)CG 109-199 ms; at 256 px 266-378 vs 555-975 ms (rho 0.1 to 1e-5). At 512 px (P)CG is as
 * fast at rho 0.1 and the first solve's eigendecompositions take ~6 s, so beyond 256, (P)CG.
 */
const EXACT_SOLVE_MAX_SIZE = 256;

/** From this rho on, CG runs unpreconditioned (see normalPreconditioner below). */
const PLAIN_CG_FROM_RHO = 0.1;

/** Relative tolerance for treating a kernel as symmetric in each axis. */
const AXIS_SYMMETRY_TOL = 1e-6;

/** True when K[i, j] == K[kh-1-i, j] == K[i, kw-1-j] up to AXIS_SYMMETRY_TOL * max |K|. */
export function isAxisSymmetric(k: ArrayLike<number>, kh: number, kw: number): boolean {
  let peak = 0;
  for (let i = 0; i < k.length; i++) peak = Math.max(peak, Math.abs(k[i]));
  const tol = AXIS_SYMMETRY_TOL * peak;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const v = k[i * kw + j];
      if (Math.abs(v - k[(kh - 1 - i) * kw + j]) > tol || Math.abs(v - k[i * kw + kw - 1 - j]) > tol) return false;
    }
  }
  return true;
}

/**
 * Which preconditioner an operator offers. Measured on 3x256x256 at tol 1e-4 (DiffPIR's rule):
 * for an axis-symmetric kernel 'reflect' is A^T A's inverse up to a one-pixel frame and PCG
 * takes ~4 iterations at any rho (plain CG: 200+ below rho = 1e-4). For other kernels no
 * Fourier model matches A's reflection: 'reflect' gets the interior wrong (it sees the kernel
 * averaged over axis flips) and 'zero' the kernel-wide border, and PCG saved no time for the
 * 61 px motion kernels, so they keep plain CG.
 */
function preconditionerFor(
  opts: BlurOptions,
  k: ArrayLike<number>,
  kh: number,
  kw: number,
): PreconditionerBoundary | null {
  const choice = opts.preconditioner ?? 'auto';
  if (choice === 'none') return null;
  if (choice !== 'auto') return choice;
  return isAxisSymmetric(k, kh, kw) ? 'reflect' : null;
}

export type BlurOperator = LinearOperator & { readonly impl: 'separable' | 'fft' };

/** Smallest H (and W) a k x k kernel's reflect padding allows: (k-1)/2 + 1. */
const minBlurSize = (kernelSize: number): number => (kernelSize - 1) / 2 + 1;

/** null when a `[C, H, W]` image is large enough for a kernelSize blur, else the reason. */
export function blurSizeIssue(task: string, inShape: readonly number[], kernelSize: number): string | null {
  const min = minBlurSize(kernelSize);
  if (inShape[1] < min || inShape[2] < min) {
    return (
      `${task} needs the image at least ${min}x${min} px (reflect padding of ${min - 1}), ` +
      `got ${inShape[1]}x${inShape[2]}`
    );
  }
  return null;
}

export function blurOperator(
  task: TaskName,
  inShape: readonly number[],
  kernel: Tensor,
  opts: BlurOptions = {},
): BlurOperator {
  const [c, h, w] = inShape;
  const [kh, kw] = kernel.shape;
  if (kernel.shape.length !== 2 || kh % 2 !== 1 || kw % 2 !== 1) {
    throw new SpgdError('SHAPE_MISMATCH', `${task}: kernel must be 2-D with odd sizes, got [${kernel.shape.join(', ')}]`);
  }
  const shape = [c, h, w];
  const state = { kernel: { shape: [kh, kw], data: kernel.data.slice() } };
  const ch = (kh - 1) / 2;
  const cw = (kw - 1) / 2;

  // Nonzero bounding box [a0, a1] x [b0, b1] of the kernel.
  let a0 = kh;
  let a1 = -1;
  let b0 = kw;
  let b1 = -1;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      if (kernel.data[i * kw + j] !== 0) {
        a0 = Math.min(a0, i);
        a1 = Math.max(a1, i);
        b0 = Math.min(b0, j);
        b1 = Math.max(b1, j);
      }
    }
  }
  if (a1 < 0) {
    a0 = a1 = ch;
    b0 = b1 = cw;
  }
  const th = a1 - a0 + 1;
  const tw = b1 - b0 + 1;
  const trimmed = new Float64Array(th * tw);
  for (let i = 0; i < th; i++) for (let j = 0; j < tw; j++) trimmed[i * tw + j] = kernel.data[(a0 + i) * kw + b0 + j];

  // Preconditioner for CG on A^T A + rho I, built on first use (callers that never solve
  // never pay for the kernel spectrum). Symmetry is judged on the untrimmed kernel: it must
  // hold about A's centre, and a trimmed box can look symmetric while off-centre.
  const boundary = preconditionerFor(opts, kernel.data, kh, kw);
  let precond: CirculantNormalPreconditioner | null = null;
  const extra: Pick<LinearOperator, 'normalPreconditioner'> = {};
  if (boundary) {
    extra.normalPreconditioner = (rho) => {
      // The kernel sums to 1, so A^T A <= I: from rho = 0.1 on the condition number is at most
      // 11 and plain CG's 4-5 iterations cost less than PCG's (one preconditioner ~ 4 A^T A).
      if (rho >= PLAIN_CG_FROM_RHO) return null;
      precond ??= new CirculantNormalPreconditioner(c, h, w, trimmed, th, tw, { boundary, pow2Only: opts.pow2Only });
      return precond.inverse(rho);
    };
  }

  const finish = (impl: BlurOperator['impl'], forward: LinearOperator['forward'], adjoint: LinearOperator['adjoint'], exact?: SeparableNormalSolver): BlurOperator => {
    const op: BlurOperator = {
      task,
      impl,
      inShape: shape,
      outShape: shape,
      state,
      forward,
      adjoint,
      ...extra,
      // A separable kernel's normal equations have an exact solver; solve.ts uses it instead of CG.
      ...(exact
        ? {
            proxL2(z: Tensor, y: Tensor, rho: number): Tensor {
              expectShape(z, shape, `${task} z`);
              if (!(rho > 0)) throw new SpgdError('BAD_INPUT', `${task}: proxL2 needs rho > 0, got ${rho}`);
              const aty = adjoint(y).data;
              const b = new Float64Array(aty.length);
              for (let i = 0; i < b.length; i++) b[i] = aty[i] + rho * z.data[i];
              return { shape: [...shape], data: Float32Array.from(exact.solve(b, rho)) };
            },
          }
        : {}),
      onnxForm: (names) => blurOnnxForm(trimmed, [a0, a1, b0, b1], kh, kw, c, h, w, formNames(names)),
      pseudoInverse(y, { rho, tol = PSEUDO_INVERSE_CG.tol }) {
        // No usable exact inverse (A^T A is near singular at high frequencies): Tikhonov,
        // argmin ||A x - y||^2 + rho ||x||^2, by the same (P)CG as the proximal step.
        return proxL2(op, { shape, data: new Float32Array(c * h * w) }, y, rho, { ...PSEUDO_INVERSE_CG, tol });
      },
      classicalEstimate(y, o) {
        let mean = 0;
        for (const v of y.data) mean += v / y.data.length;
        const z: Tensor = { shape, data: new Float32Array(y.data.length).fill(mean) };
        return proxL2(op, z, y, o.lambda, { tol: 1e-6, maxIter: 500 });
      },
    };
    return op;
  };

  const sep = opts.forceFft ? null : factorSeparable(kernel.data, kh, kw);
  if (sep) {
    const plan = separablePlan(c, h, w, sep.u, ch, sep.v, cw);
    const apply = (t: Tensor, adjoint: boolean): Tensor => {
      expectShape(t, shape, `${task} ${adjoint ? 'y' : 'x'}`);
      const out = new Float32Array(c * h * w);
      applySeparablePlan(plan, t.data, out, adjoint);
      return { shape: [...shape], data: out };
    };
    const exact = Math.max(h, w) <= EXACT_SOLVE_MAX_SIZE ? new SeparableNormalSolver(c, h, w, sep.u, ch, sep.v, cw) : undefined;
    return finish('separable', (x) => apply(x, false), (y) => apply(y, true), exact);
  }

  const rowMap = reflectWindow(h, a0 - ch, h - 1 + a1 - ch);
  const colMap = reflectWindow(w, b0 - cw, w - 1 + b1 - cw);
  const corr = new FftCorrelator(h, w, trimmed, th, tw, { pow2Only: opts.pow2Only });
  const win = new Float64Array(corr.inH * corr.inW);
  const plane = h * w;
  return finish(
    'fft',
    (x) => {
      expectShape(x, shape, `${task} x`);
      const out = new Float32Array(c * plane);
      for (let k = 0; k < c; k++) {
        gatherWindow2d(x.data, k * plane, w, rowMap, colMap, win);
        corr.correlate(win, out.subarray(k * plane, (k + 1) * plane));
      }
      return { shape: [...shape], data: out };
    },
    (y) => {
      expectShape(y, shape, `${task} y`);
      const out = new Float32Array(c * plane);
      for (let k = 0; k < c; k++) {
        corr.correlateAdjoint(y.data.subarray(k * plane, (k + 1) * plane), win);
        foldWindow2d(win, rowMap, colMap, out, k * plane, w);
      }
      return { shape: [...shape], data: out };
    },
  );
}

/**
 * The ONNX form of a blur: correlate(reflectpad(x), K) on K's nonzero bounding box
 * `[a0, a1] x [b0, b1]` only (zero taps cost nothing in the TS operator either): the reflect
 * pads become (centre - first row, last row - centre, ...) and the kernel is the box. A rank-one
 * box (the Gaussian) is two 1-D depthwise convolutions, any other (motion) one 2-D depthwise
 * convolution. The box geometry is part of the key (a new motion kernel may need a new compiled
 * model). Null when the reflect pad would not be smaller than the image (ONNX Pad needs it).
 */
function blurOnnxForm(
  box: Float64Array,
  [a0, a1, b0, b1]: [number, number, number, number],
  kh: number,
  kw: number,
  c: number,
  h: number,
  w: number,
  { input, output, prefix: p }: { input: string; output: string; prefix: string },
): OperatorOnnxForm | null {
  const ch = (kh - 1) / 2;
  const cw = (kw - 1) / 2;
  if (ch >= h || cw >= w) return null;
  const th = a1 - a0 + 1;
  const tw = b1 - b0 + 1;
  const inShape = [1, c, h, w];
  const pads = `${p}pads`;
  const padded = `${p}padded`;
  const padNode = onnxNode(`${p}Pad`, 'Pad', [input, pads], [padded], [attr.string('mode', 'reflect')]);
  const padInit = makeTensor(pads, DataType.INT64, [8], [0, 0, ch - a0, cw - b0, 0, 0, a1 - ch, b1 - cw]);
  const conv = (name: string, x: string, wName: string, out: string, k: [number, number]) =>
    onnxNode(name, 'Conv', [x, wName], [out], [attr.int('group', c), attr.ints('kernel_shape', k), attr.ints('pads', [0, 0, 0, 0]), attr.ints('strides', [1, 1])]);
  const repeat = (v: ArrayLike<number>) => {
    const out = new Float32Array(c * v.length);
    for (let k = 0; k < c; k++) out.set(v, k * v.length);
    return out;
  };
  const geometry = `${a0},${a1},${b0},${b1}/${kh}x${kw}:${c}x${h}x${w}`;
  const sep = th > 1 && tw > 1 ? factorSeparable(box, th, tw) : null;
  if (sep) {
    const kv = `${p}kernel_v`;
    const kh2 = `${p}kernel_h`;
    const mid = `${p}cols`;
    return {
      key: `blur-sep:${geometry}`,
      inShape,
      outShape: inShape,
      input,
      output,
      nodes: [padNode, conv(`${p}Conv_v`, padded, kv, mid, [th, 1]), conv(`${p}Conv_h`, mid, kh2, output, [1, tw])],
      initializers: [padInit],
      feeds: [
        { name: kv, dims: [c, 1, th, 1], data: repeat(sep.u) },
        { name: kh2, dims: [c, 1, 1, tw], data: repeat(sep.v) },
      ],
    };
  }
  const kName = `${p}kernel`;
  return {
    key: `blur:${geometry}`,
    inShape,
    outShape: inShape,
    input,
    output,
    nodes: [padNode, conv(`${p}Conv`, padded, kName, output, [th, tw])],
    initializers: [padInit],
    feeds: [{ name: kName, dims: [c, 1, th, tw], data: repeat(box) }],
  };
}
