import { describe, expect, it } from 'vitest';
import { SpgdError } from '../errors';
import { Rng } from '../rng';
import { tensor } from '../tensor';
import { adjointGap, opNorm } from './check';
import {
  assertOperatorShape,
  createOperator,
  getOperatorDef,
  OPERATORS,
  parseOperatorParams,
  simulateMeasurement,
  TASKS,
} from './index';
import { randomTensor } from './testing';
import type { LinearOperator } from './types';

function caught(f: () => unknown): SpgdError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SpgdError);
    return e as SpgdError;
  }
  throw new Error('expected an error');
}

describe('registry', () => {
  it('registers one definition per task under its own id', () => {
    expect(Object.keys(OPERATORS).sort()).toEqual([...TASKS].sort());
    for (const task of TASKS) expect(OPERATORS[task].id).toBe(task);
  });

  it('fills in the paper defaults', () => {
    expect(parseOperatorParams('inpaint-random')).toEqual({ missing: 0.8 });
    expect(parseOperatorParams('inpaint-box', {})).toEqual({ size: 0.5, margin: 0.125 });
    expect(parseOperatorParams('gaussian-blur', {})).toEqual({ kernelSize: 61, std: 3 });
    expect(parseOperatorParams('motion-blur', undefined)).toEqual({ kernelSize: 61, intensity: 0.5 });
    expect(parseOperatorParams('sr-x4', {})).toEqual({});
  });

  it('names the valid tasks for an unknown one', () => {
    const e = caught(() => getOperatorDef('deblur'));
    expect(e.code).toBe('UNKNOWN_TASK');
    expect(e.message).toContain('inpaint-random, inpaint-box, gaussian-blur, motion-blur, sr-x4');
    expect(caught(() => createOperator('jpeg', [3, 64, 64], {}, new Rng(0))).code).toBe('UNKNOWN_TASK');
  });

  it('rejects bad and unknown params with BAD_INPUT', () => {
    const e = caught(() => createOperator('inpaint-random', [3, 64, 64], { missing: 1.5 }, new Rng(0)));
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toMatch(/^invalid inpaint-random params: .*missing/);
    expect(caught(() => parseOperatorParams('gaussian-blur', { sigma: 2 })).message).toMatch(/sigma/);
    expect(caught(() => parseOperatorParams('motion-blur', { intensity: 'high' })).code).toBe('BAD_INPUT');
  });

  it('maps shape problems to SHAPE_MISMATCH or IMAGE_TOO_SMALL', () => {
    expect(caught(() => assertOperatorShape('inpaint-random', [64, 64])).code).toBe('SHAPE_MISMATCH');
    expect(caught(() => assertOperatorShape('gaussian-blur', [3, 0, 64])).code).toBe('SHAPE_MISMATCH');
    expect(caught(() => assertOperatorShape('gaussian-blur', [3, 20, 64])).code).toBe('IMAGE_TOO_SMALL');
    expect(caught(() => assertOperatorShape('sr-x4', [3, 64, 62])).code).toBe('SHAPE_MISMATCH');
    expect(() => assertOperatorShape('sr-x4', [3, 64, 60])).not.toThrow();
  });

  it('rejects inputs of the wrong shape at apply time', () => {
    const op = createOperator('sr-x4', [3, 32, 32], {}, new Rng(0));
    expect(caught(() => op.forward(tensor([3, 32, 28]))).code).toBe('SHAPE_MISMATCH');
    expect(caught(() => op.adjoint(tensor([3, 32, 32]))).code).toBe('SHAPE_MISMATCH');
  });
});

describe('simulateMeasurement', () => {
  const op = createOperator('gaussian-blur', [3, 48, 48], {}, new Rng(0));
  const x = randomTensor([3, 48, 48], new Rng(1, 'test'));

  it('adds sigma_y-scaled normals from the given rng to A x', () => {
    const ax = op.forward(x).data;
    const y = simulateMeasurement(op, x, 0.05, new Rng(7, 'measurement'));
    const n = new Rng(7, 'measurement').normals(ax.length);
    let maxErr = 0;
    let ss = 0;
    for (let i = 0; i < ax.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(y.data[i] - (ax[i] + 0.05 * n[i])));
      ss += (y.data[i] - ax[i]) ** 2;
    }
    expect(maxErr).toBeLessThan(1e-6);
    expect(Math.sqrt(ss / ax.length)).toBeCloseTo(0.05, 2);
    expect(y.shape).toEqual(op.outShape);
  });

  it('is A x for sigma_y = 0 and rejects a negative sigma_y', () => {
    expect(simulateMeasurement(op, x, 0, new Rng(1)).data).toEqual(op.forward(x).data);
    expect(caught(() => simulateMeasurement(op, x, -1, new Rng(1))).code).toBe('BAD_INPUT');
  });
});

describe('checks', () => {
  it('adjointGap catches a wrong adjoint', () => {
    const good = createOperator('motion-blur', [1, 40, 40], {}, new Rng(2, 'operator'));
    const bad: LinearOperator = { ...good, adjoint: (y) => good.forward(y) }; // A instead of A^T
    expect(adjointGap(good, new Rng(3))).toBeLessThan(1e-5);
    expect(adjointGap(bad, new Rng(3))).toBeGreaterThan(1e-3);
  });

  it('opNorm is 1 for inpainting and 1 (up to boundary folding) for a normalised blur', () => {
    expect(opNorm(createOperator('inpaint-box', [3, 32, 32], {}, new Rng(0)))).toBeCloseTo(1, 6);
    const blur = opNorm(createOperator('gaussian-blur', [1, 64, 64], {}, new Rng(0)), { maxIter: 300 });
    expect(blur).toBeGreaterThanOrEqual(1 - 1e-4);
    expect(blur).toBeLessThan(1.05);
  });
});
