/**
 * The degradation-operator contract (docs: spgd-algorithm.md section 6).
 *
 * An `OperatorDef` is the registry entry for one task: its zod params, shape rules and a
 * factory. `create` draws whatever is random (mask, kernel, box) from the caller's Rng and
 * returns a `LinearOperator`: the fixed linear map A with its exact adjoint, plus the `state`
 * a run stores so `fromState` can rebuild the very same A later. Shared algorithms written
 * against this interface (adjoint gap, operator norm, CG prox) live in `check.ts` and `solve.ts`.
 */
import type { z } from 'zod';
import type { OnnxFormNames, OperatorOnnxForm } from '../onnx/operator-form';
import type { Rng } from '../rng';
import type { Tensor } from '../tensor';

export const TASKS = ['inpaint-random', 'inpaint-box', 'gaussian-blur', 'motion-blur', 'sr-x4', 'sr-x2', 'inpaint', 'blur'] as const;

export type TaskName = (typeof TASKS)[number];

export interface BoxRegion {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** What a run stores to reproduce its operator. */
export interface OperatorState {
  /** `[H, W]`, 1 = observed, 0 = missing (inpainting). */
  mask?: Tensor;
  /** `[k, k]`, e.g. `[61, 61]` (blurs); applied as cross-correlation, not flipped. */
  kernel?: Tensor;
  /** The missing box (box inpainting). */
  box?: BoxRegion;
}

export interface LinearOperator {
  readonly task: TaskName;
  /** `[C, H, W]`. */
  readonly inShape: readonly number[];
  /** `[C, H, W]`, or `[C, H/4, W/4]` for sr-x4. */
  readonly outShape: readonly number[];
  /** A x, for x of shape `inShape`. */
  forward(x: Tensor): Tensor;
  /** A^T y (exact adjoint), for y of shape `outShape`. */
  adjoint(y: Tensor): Tensor;
  /**
   * argmin_x ||A x - y||^2 + rho ||x - z||^2 when it has a fast exact form
   * (inpainting: diagonal; sr-x4: separable eigendecomposition); otherwise absent and
   * `solve.ts` falls back to conjugate gradients.
   */
  proxL2?(z: Tensor, y: Tensor, rho: number): Tensor;
  /**
   * A symmetric positive definite approximation M^-1 of (A^T A + rho I)^-1, for operators
   * without `proxL2` whose CG needs many iterations at small rho (axis-symmetric blurs: a
   * Fourier inverse on the reflective period, `kernels/circulant-precond.ts`). The returned
   * function writes M^-1 v into `out` (length numel(inShape), float64, not aliasing `v`);
   * `solve.ts` then runs preconditioned CG. Absent, or null for this rho: plain CG.
   */
  normalPreconditioner?(rho: number): ((v: Float64Array, out: Float64Array) => void) | null;
  /**
   * A as a small ONNX subgraph on `[1, C, H, W]` with its data as run-time feeds, for the fused
   * guidance model (`onnx-form.ts`); null or absent when this operator has none.
   */
  onnxForm?(names?: OnnxFormNames): OperatorOnnxForm | null;
  /**
   * The part of a measurement this operator can explain, where the rest is no measurement at all:
   * for masks, y on the kept pixels (a real photo's holes hold black or garbage, not data).
   * Absent where every value of y is data.
   */
  observed?(y: Tensor): Tensor;
  /**
   * The classical (no prior) estimate of x from y: bicubic upsampling, Tikhonov deconvolution,
   * interpolation fill. The baseline every diffusion method is compared with.
   */
  classicalEstimate?(y: Tensor, options: ClassicalOptions): Tensor;
  /**
   * A^+ y for DDNM's range-null-space split x = A^+ y + (I - A^+ A) x: exact (Moore-Penrose)
   * where it is cheap (the masks: y / m where m != 0; sr-x4: W^T (W W^T)^-1 per axis, `rho`
   * ignored), Tikhonov-regularised (A^T A + rho I)^-1 A^T y for the blurs, whose A^T A has no
   * usable inverse. `[C, H', W'] -> inShape`.
   */
  pseudoInverse?(y: Tensor, options: PseudoInverseOptions): Tensor;
  readonly state: OperatorState;
}

/** Settings of `LinearOperator.pseudoInverse`. */
export interface PseudoInverseOptions {
  /** Tikhonov weight for operators without an exact pseudo-inverse (the blurs); > 0. */
  rho: number;
  /**
   * Where an iterative Tikhonov solve may stop: relative residual of its normal equations
   * (default 1e-4). Exact pseudo-inverses ignore it.
   */
  tol?: number;
}

/** Settings of the classical estimates (`LinearOperator.classicalEstimate`). */
export interface ClassicalOptions {
  /** Tikhonov weight of the deconvolutions: argmin ||A x - y||^2 + lambda ||x - mean(y)||^2. */
  lambda: number;
  /** Harmonic relaxation sweeps of the inpainting fill. */
  sweeps: number;
}

/** Which error code a rejected shape maps to. */
export type ShapeErrorCode = 'IMAGE_TOO_SMALL' | 'SHAPE_MISMATCH';

export interface OperatorExample {
  readonly inShape: readonly number[];
  readonly params?: Record<string, unknown>;
  /** The user data to build it from, for operators that draw nothing at random (`inpaint`, `blur`). */
  readonly state?: OperatorState;
}

export interface OperatorDef<P> {
  readonly id: TaskName;
  readonly description: string;
  /** Params with `.default()`s; `params.parse({})` gives the paper's setting. */
  readonly params: z.ZodType<P>;
  /** Error code used when `checkShape` rejects an input shape. */
  readonly shapeErrorCode: ShapeErrorCode;
  /** Shapes (and params) the conformance suite exercises. */
  readonly examples: readonly OperatorExample[];
  /** null when `inShape` ([C, H, W]) is usable, else a user-facing reason. `p` defaults to the defaults. */
  checkShape(inShape: readonly number[], p?: P): string | null;
  outShape(inShape: readonly number[], p: P): number[];
  /** The input shape whose output is `outShape` (the restored size of a measurement). */
  inShapeFor(outShape: readonly number[], p: P): number[];
  /** Draws mask/kernel/box from `rng` (the caller picks the stream). */
  create(inShape: readonly number[], p: P, rng: Rng): LinearOperator;
  /** Rebuilds the operator from stored state (a saved run, or a user's .npy mask/kernel). */
  fromState?(inShape: readonly number[], p: P, state: OperatorState): LinearOperator;
  /** The user data `fromState` accepts in place of a random draw (a painted mask, a measured kernel). */
  readonly userData?: readonly ('mask' | 'kernel')[];
  /** Set when there is nothing to draw: the operator exists only with this user data. */
  readonly requires?: 'mask' | 'kernel';
}
