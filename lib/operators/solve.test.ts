import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { tensor, type Tensor } from '../tensor';
import { blurOperator, isAxisSymmetric } from './blur2d';
import { gaussianKernel2d } from './gen/gaussian-kernel';
import { motionKernel } from './gen/motion-kernel';
import { createOperator } from './index';
import { cgProxL2 } from './solve';
import { reflectCorrelationMatrix } from './kernels/separable-normal';
import { fixtureImage, maxAbsDiff, normalResidual, randomTensor } from './testing';
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

// The operator runs in float32, so two solves' true residuals floor near 5e-8 and their
// difference along eigenvalues ~rho grows like 1/rho: 1e-4 holds from rho = 1e-3 up, at
// rho = 1e-5 two (equally valid) answers differ by ~5e-4.
const maxDiff = (rho: number) => (rho >= 1e-3 ? 1e-4 : 2e-3);

describe('preconditioned CG', () => {

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

describe('exact solve for separable kernels', () => {
  it('the 1-D reflect-correlation matrices reproduce the operator: A x = Ah X Aw^T per channel', () => {
    const [c, h, w] = [2, 36, 40];
    const k = gaussianKernel2d(61, 3);
    const op = blurOperator('gaussian-blur', [c, h, w], tensor([61, 61], k));
    const taps = Float64Array.from({ length: 61 }, (_, i) => k[i * 61 + 30] / Math.sqrt(k[30 * 61 + 30]));
    const ah = reflectCorrelationMatrix(taps, 30, h);
    const aw = reflectCorrelationMatrix(taps, 30, w);
    const x = randomTensor([c, h, w], new Rng(2, 'test'));
    const ax = op.forward(x).data;
    const ref = new Float32Array(c * h * w);
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          let s = 0;
          for (let p = 0; p < h; p++) for (let q = 0; q < w; q++) s += ah[i * h + p] * x.data[(ch * h + p) * w + q] * aw[j * w + q];
          ref[(ch * h + i) * w + j] = s;
        }
      }
    }
    expect(maxAbsDiff(ax, ref)).toBeLessThan(1e-5);
  });

  it('gaussian-blur proxL2 solves the normal equations at any rho, no iterations, and agrees with tight PCG', () => {
    const op = gaussian();
    expect(typeof op.proxL2).toBe('function');
    const { z, y } = problem(op);
    for (const rho of [1e-6, 1e-3, 1e-1, 10]) {
      const x = op.proxL2!(z, y, rho);
      // Float32 operator and result: the residual floors near 1e-7 of ||b||, as PCG's does.
      expect(normalResidual(op, x, z, y, rho), `rho=${rho}`).toBeLessThan(rho >= 1e-3 ? 1e-6 : 1e-5);
      if (rho >= 1e-3) {
        const pcg = cgProxL2(op, z, y, rho, { tol: 1e-8, maxIter: 3000 });
        expect(maxAbsDiff(x.data, pcg.x.data), `rho=${rho}`).toBeLessThan(maxDiff(rho));
      }
    }
  });

  it('the pseudo-inverse uses it; motion blur and large images keep (P)CG', () => {
    const op = gaussian();
    const { y } = problem(op);
    const pinv = op.pseudoInverse!(y, { rho: 0.1 });
    const zero = { shape: [...op.inShape], data: new Float32Array(op.inShape.reduce((a, b) => a * b, 1)) };
    expect(maxAbsDiff(pinv.data, op.proxL2!(zero, y, 0.1).data)).toBe(0);
    expect(typeof createOperator('motion-blur', SHAPE, {}, new Rng(1, 'operator')).proxL2).toBe('undefined');
    // Above 256 px per side (P)CG is the cheaper solve.
    expect(typeof createOperator('gaussian-blur', [1, 256, 160], {}, new Rng(1, 'operator')).proxL2).toBe('function');
    expect(typeof createOperator('gaussian-blur', [1, 260, 160], {}, new Rng(1, 'operator')).proxL2).toBe('undefined');
  });
});
