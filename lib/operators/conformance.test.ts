/**
 * Every registered operator, on every example shape, gets every check (deepinv's OPERATORS list
 * + find_operator, driven by the registry instead of an if-chain).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { numel, type Tensor } from '../tensor';
import { adjointGap } from './check';
import { createOperator, OPERATORS, operatorFromState, parseOperatorParams, TASKS } from './index';
import { cgProxL2, proxL2 } from './solve';
import { maxAbs, maxAbsDiff, normalResidual, randomTensor } from './testing';
import type { LinearOperator, OperatorState, TaskName } from './types';

/** Tasks whose pseudo-inverse is Tikhonov-regularised rather than exact. */
const TIKHONOV_PSEUDO_INVERSE: readonly TaskName[] = ['gaussian-blur', 'motion-blur', 'blur'];

/** Tasks whose operator depends on the rng. */
const RANDOM_TASKS: readonly TaskName[] = ['inpaint-random', 'inpaint-box', 'motion-blur'];

const cases = TASKS.flatMap((task) =>
  OPERATORS[task].examples.map((ex) => ({
    task,
    inShape: [...ex.inShape],
    params: ex.params ?? {},
    state: ex.state,
    label: `${task} ${ex.inShape.join('x')}`,
  })),
);

/** From the example's user data where it has some (operators that draw nothing), else drawn from the seed. */
const build = (c: (typeof cases)[number], seed = 1): LinearOperator =>
  c.state ? operatorFromState(c.task, c.inShape, c.params, c.state) : createOperator(c.task, c.inShape, c.params, new Rng(seed, 'operator'));

function stateArrays(s: OperatorState): Float32Array[] {
  return [s.mask?.data, s.kernel?.data].filter((a): a is Float32Array => a !== undefined);
}


describe.each(cases)('$label', (c) => {
  const def = OPERATORS[c.task];
  const op = build(c);

  it('reports the shapes its definition promises', () => {
    const p = parseOperatorParams(c.task, c.params);
    expect(def.checkShape(c.inShape, p as never)).toBeNull();
    expect(op.task).toBe(c.task);
    expect(op.inShape).toEqual(c.inShape);
    expect(op.outShape).toEqual(def.outShape(c.inShape, p as never));
    expect(def.inShapeFor(op.outShape, p as never)).toEqual(c.inShape);
    const rng = new Rng(5, 'test');
    expect(op.forward(randomTensor(op.inShape, rng)).shape).toEqual(op.outShape);
    expect(op.adjoint(randomTensor(op.outShape, rng)).shape).toEqual(op.inShape);
  });

  it('has a classical estimate of the input shape that fits the data about as well as A^T y', () => {
    const rng = new Rng(31, 'test');
    const x = randomTensor(op.inShape, rng);
    const y = op.forward(x);
    const est = op.classicalEstimate!(y, { lambda: 0.02, sweeps: 50 });
    expect(est.shape).toEqual(op.inShape);
    expect(est.data.every(Number.isFinite)).toBe(true);
    // The estimate is a restoration: re-degraded it reproduces y much better than a blank image.
    const ay = op.forward(est).data;
    let err = 0;
    let ref = 0;
    for (let i = 0; i < ay.length; i++) {
      err += (ay[i] - y.data[i]) ** 2;
      ref += y.data[i] ** 2;
    }
    expect(Math.sqrt(err / ref)).toBeLessThan(0.5);
  });

  it('has an exact adjoint: relative gap < 1e-5 (float64 inner products)', () => {
    for (const seed of [11, 12, 13]) expect(adjointGap(op, new Rng(seed, 'test'))).toBeLessThan(1e-5);
  });

  it('matches its adjoint entry by entry: (A^T u)_j = <A e_j, u>', () => {
    const rng = new Rng(21, 'test');
    const u = randomTensor(op.outShape, rng);
    const atu = op.adjoint(u).data;
    const n = numel(op.inShape);
    for (let probe = 0; probe < 6; probe++) {
      const j = probe === 0 ? 0 : probe === 1 ? n - 1 : rng.int(n);
      const e = new Float32Array(n);
      e[j] = 1;
      const aej = op.forward({ shape: [...op.inShape], data: e }).data;
      let dot = 0;
      for (let i = 0; i < aej.length; i++) dot += aej[i] * u.data[i];
      expect(Math.abs(atu[j] - dot)).toBeLessThan(1e-5 * (1 + Math.abs(dot)));
    }
  });

  it('is linear and gives finite outputs', () => {
    const rng = new Rng(31, 'test');
    const x1 = randomTensor(op.inShape, rng);
    const x2 = randomTensor(op.inShape, rng);
    const comb = { shape: [...op.inShape], data: x1.data.map((v, i) => 2 * v - 0.5 * x2.data[i]) };
    const a1 = op.forward(x1).data;
    const a2 = op.forward(x2).data;
    const ac = op.forward(comb).data;
    for (const arr of [a1, a2, ac, op.adjoint(randomTensor(op.outShape, rng)).data]) {
      expect(arr.every(Number.isFinite)).toBe(true);
    }
    const expected = a1.map((v, i) => 2 * v - 0.5 * a2[i]);
    expect(maxAbsDiff(ac, expected)).toBeLessThan(1e-5 * (1 + maxAbs(expected)));
  });

  it('is deterministic in the seed', () => {
    const again = build(c, 1);
    expect(again.state).toEqual(op.state);
    const x = randomTensor(op.inShape, new Rng(41, 'test'));
    expect(again.forward(x).data).toEqual(op.forward(x).data);
    if (RANDOM_TASKS.includes(c.task)) {
      const other = build(c, 2);
      const same = stateArrays(other.state).every((a, i) => maxAbsDiff(a, stateArrays(op.state)[i]) === 0);
      expect(same).toBe(false);
    }
  });

  it('round-trips through its stored state', () => {
    const rebuilt = operatorFromState(c.task, c.inShape, c.params, op.state);
    expect(rebuilt.state).toEqual(op.state);
    const rng = new Rng(51, 'test');
    const x = randomTensor(op.inShape, rng);
    const u = randomTensor(op.outShape, rng);
    expect(rebuilt.forward(x).data).toEqual(op.forward(x).data);
    expect(rebuilt.adjoint(u).data).toEqual(op.adjoint(u).data);
  });

  it('solves the L2 prox: closed form and CG agree and satisfy the normal equations', () => {
    const rng = new Rng(61, 'test');
    const z = randomTensor(op.inShape, rng);
    const y = randomTensor(op.outShape, rng);
    for (const rho of [0.3, 0.02]) {
      const cg = cgProxL2(op, z, y, rho, { tol: 1e-9, maxIter: 1000 });
      expect(normalResidual(op, cg.x, z, y, rho)).toBeLessThan(1e-4);
      const x = proxL2(op, z, y, rho);
      expect(normalResidual(op, x, z, y, rho)).toBeLessThan(1e-4);
      if (op.proxL2) {
        const closed = op.proxL2(z, y, rho);
        expect(normalResidual(op, closed, z, y, rho)).toBeLessThan(1e-5);
        expect(maxAbsDiff(closed.data, cg.x.data)).toBeLessThan(1e-4 * (1 + maxAbs(closed.data)));
      }
    }
  });

  it('has a pseudo-inverse: exact (Penrose: A A+ A = A, A+ A A+ = A+) or Tikhonov (its normal equations)', () => {
    const rng = new Rng(71, 'test');
    const pinv = (v: Tensor) => op.pseudoInverse!(v, { rho: 0.01 });
    const x = randomTensor(op.inShape, rng);
    const y = randomTensor(op.outShape, rng);
    const p = pinv(y);
    expect(p.shape).toEqual(op.inShape);
    if (TIKHONOV_PSEUDO_INVERSE.includes(c.task)) {
      const zero = { shape: op.inShape, data: new Float32Array(numel(op.inShape)) };
      expect(normalResidual(op, p, zero, y, 0.01)).toBeLessThan(1e-3);
      // A looser tolerance is honoured where the solve iterates (an exact solver ignores it).
      const loose = normalResidual(op, op.pseudoInverse!(y, { rho: 0.01, tol: 1e-2 }), zero, y, 0.01);
      expect(loose).toBeLessThan(1e-2);
      if (!op.proxL2) expect(loose).toBeGreaterThan(1e-4);
      return;
    }
    const ax = op.forward(x).data;
    expect(maxAbsDiff(op.forward(pinv(op.forward(x))).data, ax)).toBeLessThan(1e-5 * (1 + maxAbs(ax)));
    expect(maxAbsDiff(pinv(op.forward(p)).data, p.data)).toBeLessThan(1e-5 * (1 + maxAbs(p.data)));
  });
});

it('covers every task with at least one square and one non-square example', () => {
  for (const task of TASKS) {
    const shapes = OPERATORS[task].examples.map((e) => e.inShape);
    expect(shapes.some((s) => s[1] === s[2])).toBe(true);
    expect(shapes.some((s) => s[1] !== s[2])).toBe(true);
  }
});
