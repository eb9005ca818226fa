/**
 * The L2 data-consistency step used by DiffPIR-style samplers:
 *
 *   prox(z) = argmin_x ||A x - y||^2 + rho ||x - z||^2,  i.e.  (A^T A + rho I) x = A^T y + rho z
 *
 * Uses the operator's exact closed form when it has one (inpainting, sr-x4), else conjugate
 * gradients on the normal equations (blurs), preconditioned when the operator offers a
 * `normalPreconditioner` (blurs: small rho otherwise needs hundreds of iterations), with
 * vectors and inner products in float64 and the operator applied in float32.
 */
import { SpgdError } from '../errors';
import type { Tensor } from '../tensor';
import { expectShape } from './shape';
import type { LinearOperator } from './types';

export interface CgOptions {
  /** Stop when ||r|| <= tol * ||A^T y + rho z|| (true, unpreconditioned residual). */
  tol?: number;
  maxIter?: number;
  /** Starting point (default z, which is usually close). */
  x0?: Tensor;
  /** Use the operator's `normalPreconditioner` when it has one (default true). */
  precondition?: boolean;
}

export interface CgResult {
  x: Tensor;
  iterations: number;
  /** Final ||(A^T A + rho I) x - b|| / ||b|| (recursive residual). */
  relResidual: number;
}

function toF32(t: Float64Array): Float32Array {
  return Float32Array.from(t);
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * (Preconditioned) conjugate gradients on (A^T A + rho I) x = A^T y + rho z.
 *
 * With M^-1 = `op.normalPreconditioner(rho)` this is standard PCG (s = M^-1 r, step from r.s);
 * without it M = I and it reduces to plain CG. Either way the stopping test uses ||r||, so
 * `tol` means the same thing with and without the preconditioner.
 */
export function cgProxL2(op: LinearOperator, z: Tensor, y: Tensor, rho: number, opts: CgOptions = {}): CgResult {
  const { tol = 1e-6, maxIter = 200, precondition = true } = opts;
  expectShape(z, op.inShape, `${op.task} z`);
  expectShape(y, op.outShape, `${op.task} y`);
  if (!(rho > 0)) throw new SpgdError('BAD_INPUT', `proxL2 needs rho > 0, got ${rho}`);
  const shape = [...op.inShape];
  const n = z.data.length;
  const xf32 = new Float32Array(n);
  /** out = (A^T A + rho I) v, the operator applied in float32. */
  const normal = (v: Float64Array, out: Float64Array): void => {
    xf32.set(v);
    const atav = op.adjoint(op.forward({ shape, data: xf32 })).data;
    for (let i = 0; i < n; i++) out[i] = atav[i] + rho * v[i];
  };
  const minv = precondition && op.normalPreconditioner ? op.normalPreconditioner(rho) : null;

  const aty = op.adjoint(y).data;
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) b[i] = aty[i] + rho * z.data[i];
  const x = Float64Array.from((opts.x0 ?? z).data);
  const ap = new Float64Array(n);
  normal(x, ap);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = b[i] - ap[i];
  const bnorm = Math.sqrt(dot(b, b)) || 1;
  let rr = dot(r, r);
  // s = M^-1 r (aliases r for plain CG).
  const s = minv ? new Float64Array(n) : r;
  if (minv && Math.sqrt(rr) > tol * bnorm) minv(r, s);
  let rs = minv ? dot(r, s) : rr;
  const p = s.slice();
  let it = 0;
  while (it < maxIter && Math.sqrt(rr) > tol * bnorm) {
    normal(p, ap);
    const pap = dot(p, ap);
    if (!(pap > 0) || !(rs > 0)) break;
    const alpha = rs / pap;
    rr = 0;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * ap[i];
      rr += r[i] * r[i];
    }
    it++;
    if (Math.sqrt(rr) <= tol * bnorm) break;
    let rsNew = rr;
    if (minv) {
      minv(r, s);
      rsNew = dot(r, s);
    }
    const beta = rsNew / rs;
    for (let i = 0; i < n; i++) p[i] = s[i] + beta * p[i];
    rs = rsNew;
  }
  return { x: { shape, data: toF32(x) }, iterations: it, relResidual: Math.sqrt(rr) / bnorm };
}

/** argmin_x ||A x - y||^2 + rho ||x - z||^2: the operator's closed form if any, else CG. */
export function proxL2(op: LinearOperator, z: Tensor, y: Tensor, rho: number, opts: CgOptions = {}): Tensor {
  if (op.proxL2) return op.proxL2(z, y, rho);
  return cgProxL2(op, z, y, rho, opts).x;
}
