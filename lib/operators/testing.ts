/**
 * Helpers shared by the operator tests (not used by the engine).
 */
import type { Rng } from '../rng';
import { numel, type Tensor } from '../tensor';
import type { LinearOperator } from './types';

export function randomTensor(shape: readonly number[], rng: Rng): Tensor {
  return { shape: [...shape], data: rng.normals(numel(shape)) };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * The fixture image of tests/fixtures/operators/make_fixtures.py:
 * x[k, i, j] = sin(0.37 i + 1.3 k) cos(0.23 j - 0.5 k) + 0.01 ((7 i + 13 j + 5 k) mod 11).
 */
export function fixtureImage(c: number, h: number, w: number): Float64Array {
  const out = new Float64Array(c * h * w);
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        out[(k * h + i) * w + j] =
          Math.sin(0.37 * i + 1.3 * k) * Math.cos(0.23 * j - 0.5 * k) + 0.01 * ((7 * i + 13 * j + 5 * k) % 11);
      }
    }
  }
  return out;
}

export function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** ||(A^T A + rho I) x - (A^T y + rho z)|| / ||A^T y + rho z||, applying the operator directly. */
export function normalResidual(op: LinearOperator, x: Tensor, z: Tensor, y: Tensor, rho: number): number {
  const atax = op.adjoint(op.forward(x)).data;
  const aty = op.adjoint(y).data;
  let rr = 0;
  let bb = 0;
  for (let i = 0; i < atax.length; i++) {
    const b = aty[i] + rho * z.data[i];
    const r = atax[i] + rho * x.data[i] - b;
    rr += r * r;
    bb += b * b;
  }
  return Math.sqrt(rr / bb);
}
