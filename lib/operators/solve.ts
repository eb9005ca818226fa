/**
 * The L2 data-consistency step used by DiffPIR-style samplers:
 *
 *   prox(z) = argmin_x ||A x - y||^2 + rho ||x - z||^2,  i.e.  (A^T A + rho I) x = A^T y + rho z
 *
 * Uses the operator's exact closed form when it has one (inpainting, sr-x4), else conjugate
 * gradients on the normal equations (blurs), with vectors and inner products in float64 and
 * the operator applied in float32.
 */
import { SpgdError } from '../errors';
import type { Tensor } from '../tensor';
import { expectShape } from './shape';
import type { LinearOperator } from './types';

export interface CgOptions {
  /** Stop when ||r|| <= tol * ||A^T y + rho z||. */
  tol?: number;
  maxIter?: number;
  /** Starting point (default z, which is usually close). */
  x0?: Tensor;
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

/** Conjugate gradients on (A^T A + rho I) x = A^T y + rho z. */
export function cgProxL2(op: LinearOperator, z: Tensor, y: Tensor, rho: number, opts: CgOptions = {}): CgResult {
  const { tol = 1e-6, maxIter = 200 } = opts;
  expectShape(z, op.inShape, `${op.task} z`);
  expectShape(y, op.outShape, `${op.task} y`);
  if (!(rho > 0)) throw new SpgdError('BAD_INPUT', `proxL2 needs rho > 0, got ${rho}`);
  const shape = [...op.inShape];
  const n = z.data.length;
  const normal = (v: Float64Array): Float64Array => {
    const atav = op.adjoint(op.forward({ shape, data: toF32(v) })).data;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = atav[i] + rho * v[i];
    return out;
  };
  const aty = op.adjoint(y).data;
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) b[i] = aty[i] + rho * z.data[i];
  const x = Float64Array.from((opts.x0 ?? z).data);
  const ax = normal(x);
  const r = new Float64Array(n);
  let bb = 0;
  let rr = 0;
  for (let i = 0; i < n; i++) {
    r[i] = b[i] - ax[i];
    rr += r[i] * r[i];
    bb += b[i] * b[i];
  }
  const bnorm = Math.sqrt(bb) || 1;
  const p = r.slice();
  let it = 0;
  while (it < maxIter && Math.sqrt(rr) > tol * bnorm) {
    const ap = normal(p);
    let pap = 0;
    for (let i = 0; i < n; i++) pap += p[i] * ap[i];
    if (!(pap > 0)) break;
    const alpha = rr / pap;
    let rrNew = 0;
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * ap[i];
      rrNew += r[i] * r[i];
    }
    const beta = rrNew / rr;
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    rr = rrNew;
    it++;
  }
  return { x: { shape, data: toF32(x) }, iterations: it, relResidual: Math.sqrt(rr) / bnorm };
}

/** argmin_x ||A x - y||^2 + rho ||x - z||^2: the operator's closed form if any, else CG. */
export function proxL2(op: LinearOperator, z: Tensor, y: Tensor, rho: number, opts: CgOptions = {}): Tensor {
  if (op.proxL2) return op.proxL2(z, y, rho);
  return cgProxL2(op, z, y, rho, opts).x;
}
