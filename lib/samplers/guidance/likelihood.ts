import type { SquaredResidualLossDescription } from '../../diffusion/types';
import type { LinearOperator } from '../../operators/types';
import type { Tensor } from '../../tensor';

/** r = A(x) - y */
export function residual(op: LinearOperator, x: Tensor, y: Tensor): Tensor {
  const ax = op.forward(x);
  const r = new Float32Array(ax.data.length);
  for (let i = 0; i < r.length; i++) r[i] = ax.data[i] - y.data[i];
  return { shape: ax.shape, data: r };
}

function sumSquares(t: Tensor): number {
  let s = 0;
  for (const v of t.data) s += v * v;
  return s;
}

/**
 * SPGD's data loss (section 3): L(D) = sum((A D - y)^2), dL/dD = 2 A^T r.
 * Also returns r so callers can report ||r|| without recomputing A.
 */
export function squaredResidualLoss(op: LinearOperator, y: Tensor, d: Tensor) {
  const r = residual(op, d, y);
  const atr = op.adjoint(r);
  const grad = new Float32Array(atr.data.length);
  for (let i = 0; i < grad.length; i++) grad[i] = 2 * atr.data[i];
  return { value: sumSquares(r), grad: { shape: atr.shape, data: grad } as Tensor, residual: r };
}

/**
 * `squaredResidualLoss` as a loss function of D that carries its description, so a denoiser
 * whose backend can fuse it (vpDenoiser over OrtEpsModel) evaluates loss and gradient inside
 * the network graph, in one call.
 */
export function describedSquaredResidualLoss(op: LinearOperator, y: Tensor) {
  const description: SquaredResidualLossDescription = { kind: 'squared-residual', operator: op, y };
  return Object.assign((d: Tensor) => squaredResidualLoss(op, y, d), { description });
}

/**
 * DPS's data term (section 5): R(x0) = ||y - A x0||_2 (not squared), dR/dx0 = A^T r / R.
 */
export function residualNormLoss(op: LinearOperator, y: Tensor, x0: Tensor) {
  const r = residual(op, x0, y);
  const value = Math.sqrt(sumSquares(r));
  const atr = op.adjoint(r);
  const grad = new Float32Array(atr.data.length);
  const inv = value > 0 ? 1 / value : 0;
  for (let i = 0; i < grad.length; i++) grad[i] = inv * atr.data[i];
  return { value, grad: { shape: atr.shape, data: grad } as Tensor, residual: r };
}
