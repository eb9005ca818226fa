import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { tensor, type Tensor } from '../tensor';
import { blurOperator, isAxisSymmetric } from './blur2d';
import { gaussianKernel2d } from './gen/gaussian-kernel';
import { motionKernel } from './gen/motion-kernel';
import { createOperator } from './index';
import { cgProxL2 } from './solve';
import { fixtureImage, maxAbsDiff, normalResidual } from './testing';
import type { LinearOperator } from './types';

const SHAPE = [3, 64, 64];

/** z = smooth image + noise 0.2, y = A(image) + noise 0.05 (a DiffPIR-like data step). */
function problem(op: LinearOperator): { z: Tensor; y: Tensor } {
  const [c, h, w] = op.inShape;
  const rng = new Rng(7, 'test');
  const img = Float32Array.from(fixtureImage(c, h, w));
  const z = { shape: [...op.inShape], data: img.map((v) => v + 0.2 * rng.normal()) };
  const ay = op.forward({ shape: [...op.inShape], data: img }).data;
  return { z, y: { shape: [...op.outShape], data: ay.map((v) => v + 0.05 * rng.normal()) } };
}


const gaussian = () => createOperator('gaussian-blur', SHAPE, {}, new Rng(1, 'operator'));
const motionKernelTensor = () => tensor([61, 61], motionKernel(new Rng(3, 'operator'), 61, 0.5));

describe('which blur operators offer a preconditioner', () => {
  it('axis-symmetric kernels (Gaussian) do, motion kernels keep plain CG unless asked', () => {
    expect(isAxisSymmetric(gaussianKernel2d(61, 3), 61, 61)).toBe(true);
    expect(isAxisSymmetric(motionKernelTensor().data, 61, 61)).toBe(false);
    expect(typeof gaussian().normalPreconditioner).toBe('function');
    expect(typeof createOperator('motion-blur', SHAPE, {}, new Rng(1, 'operator')).normalPreconditioner).toBe('undefined');
    const zeroPadded = blurOperator('motion-blur', SHAPE, motionKernelTensor(), { preconditioner: 'zero' });
    expect(typeof zeroPadded.normalPreconditioner).toBe('function');
    const gaussianKernel = tensor([61, 61], gaussianKernel2d(61, 3));
    const plain = blurOperator('gaussian-blur', SHAPE, gaussianKernel, { preconditioner: 'none' });
    expect(typeof plain.normalPreconditioner).toBe('undefined');
  });

  it('steps aside from rho = 0.1 on, where plain CG is already cheap', () => {
    expect(gaussian().normalPreconditioner!(0.05)).toBeTypeOf('function');
    expect(gaussian().normalPreconditioner!(0.1)).toBeNull();
    expect(gaussian().normalPreconditioner!(1)).toBeNull();
  });
});

describe('preconditioned CG', () => {
  // The operator runs in float32, so both solves' true residuals floor near 5e-8 and their
  // difference along eigenvalues ~rho grows like 1/rho: 1e-4 holds from rho = 1e-3 up, at
  // rho = 1e-5 the two (equally valid) answers differ by ~5e-4.
  const maxDiff = (rho: number) => (rho >= 1e-3 ? 1e-4 : 2e-3);

  it('agrees with plain CG and solves the normal equations (gaussian-blur, reflect)', () => {
    const op = gaussian();
    const { z, y } = problem(op);
    for (const rho of [1e-5, 1e-3, 1e-1]) {
      const pcg = cgProxL2(op, z, y, rho, { tol: 1e-8, maxIter: 3000 });
      const cg = cgProxL2(op, z, y, rho, { tol: 1e-8, maxIter: 3000, precondition: false });
      expect(pcg.relResidual).toBeLessThanOrEqual(1e-8);
      expect(cg.relResidual).toBeLessThanOrEqual(1e-8);
      expect(maxAbsDiff(pcg.x.data, cg.x.data), `rho=${rho}`).toBeLessThan(maxDiff(rho));
      expect(normalResidual(op, pcg.x, z, y, rho), `rho=${rho}`).toBeLessThan(1e-6);
    }
  });

  it('agrees with plain CG with the zero-padded preconditioner (motion-blur)', () => {
    const op = blurOperator('motion-blur', SHAPE, motionKernelTensor(), { preconditioner: 'zero' });
    const { z, y } = problem(op);
    for (const rho of [1e-3, 1e-1]) {
      const pcg = cgProxL2(op, z, y, rho, { tol: 1e-8, maxIter: 3000 });
      const cg = cgProxL2(op, z, y, rho, { tol: 1e-8, maxIter: 3000, precondition: false });
      expect(maxAbsDiff(pcg.x.data, cg.x.data), `rho=${rho}`).toBeLessThan(maxDiff(rho));
      expect(normalResidual(op, pcg.x, z, y, rho), `rho=${rho}`).toBeLessThan(1e-6);
    }
  });

  it('needs far fewer iterations than plain CG at rho = 1e-4 (gaussian-blur)', () => {
    const op = gaussian();
    const { z, y } = problem(op);
    const pcg = cgProxL2(op, z, y, 1e-4, { tol: 1e-4, maxIter: 200 });
    const cg = cgProxL2(op, z, y, 1e-4, { tol: 1e-4, maxIter: 200, precondition: false });
    console.log(`gaussian-blur 3x64x64 rho=1e-4 tol=1e-4: PCG ${pcg.iterations} iterations, CG ${cg.iterations}`);
    expect(pcg.relResidual).toBeLessThanOrEqual(1e-4);
    expect(pcg.iterations).toBeLessThanOrEqual(cg.iterations / 2);
    expect(pcg.iterations).toBeLessThanOrEqual(10);
  });

  it('keeps plain CG when asked or when the operator has no preconditioner', () => {
    const op = gaussian();
    const { z, y } = problem(op);
    const bare: LinearOperator = { ...op, normalPreconditioner: undefined };
    const a = cgProxL2(op, z, y, 1e-2, { tol: 1e-6, precondition: false });
    const b = cgProxL2(bare, z, y, 1e-2, { tol: 1e-6 });
    expect(a.iterations).toBe(b.iterations);
    expect(Array.from(a.x.data)).toEqual(Array.from(b.x.data));
  });
});
