/**
 * Checks written against the `LinearOperator` interface (deepinv's `adjointness_test` and
 * `compute_norm`, as free functions).
 */
import { Rng } from '../rng';
import { numel, type Tensor } from '../tensor';
import type { LinearOperator } from './types';

/** <a, b> over float32 data, accumulated in float64. */
function dot64(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Relative adjointness gap |<A x, u> - <x, A^T u>| / |<A x, u>| for standard-normal x and u
 * drawn from `rng` (inner products in float64). The spec asks for <= 1e-5.
 */
export function adjointGap(op: LinearOperator, rng: Rng): number {
  const x: Tensor = { shape: [...op.inShape], data: rng.normals(numel(op.inShape)) };
  const u: Tensor = { shape: [...op.outShape], data: rng.normals(numel(op.outShape)) };
  const lhs = dot64(op.forward(x).data, u.data);
  const rhs = dot64(x.data, op.adjoint(u).data);
  return Math.abs(lhs - rhs) / Math.abs(lhs);
}

export interface OpNormOptions {
  maxIter?: number;
  /** Stop when the estimate changes by less than tol (relative). */
  tol?: number;
  rng?: Rng;
}

/** ||A||_2 by power iteration on A^T A (random start from `rng`, default a fixed stream). */
export function opNorm(op: LinearOperator, opts: OpNormOptions = {}): number {
  const { maxIter = 100, tol = 1e-6 } = opts;
  const rng = opts.rng ?? new Rng(0, 'opNorm');
  let v: Tensor = { shape: [...op.inShape], data: rng.normals(numel(op.inShape)) };
  let lambda = 0;
  for (let it = 0; it < maxIter; it++) {
    const nv = Math.sqrt(dot64(v.data, v.data));
    if (nv === 0) return 0;
    const data = new Float32Array(v.data.length);
    for (let i = 0; i < data.length; i++) data[i] = v.data[i] / nv;
    const w = op.adjoint(op.forward({ shape: v.shape, data }));
    const next = dot64(data, w.data); // Rayleigh quotient of A^T A
    const done = Math.abs(next - lambda) <= tol * Math.abs(next);
    lambda = next;
    v = w;
    if (done) break;
  }
  return Math.sqrt(Math.max(0, lambda));
}
