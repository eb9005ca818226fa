import { describe, expect, it } from 'vitest';
import { Rng } from '../rng';
import { tensor } from '../tensor';
import { createOperator } from './index';

describe('sr-x2', () => {
  it('halves each side, keeps constants and samples a linear ramp at the output centres (2i + 0.5)', () => {
    const h = 12;
    const w = 16;
    const op = createOperator('sr-x2', [1, h, w], {}, new Rng(0, 'operator'));
    expect(op.outShape).toEqual([1, 6, 8]);
    const flat = op.forward(tensor([1, h, w], new Float32Array(h * w).fill(0.3)));
    for (const v of flat.data) expect(v).toBeCloseTo(0.3, 6);
    // Away from the border the cubic reproduces linear functions exactly.
    const ramp = op.forward(tensor([1, h, w], Float32Array.from({ length: h * w }, (_, i) => i % w)));
    for (let i = 0; i < 6; i++) for (let j = 2; j < 6; j++) expect(ramp.data[i * 8 + j]).toBeCloseTo(2 * j + 0.5, 5);
  });

  it('restores at twice the size of its measurement', () => {
    const op = createOperator('sr-x2', [3, 74, 100], {}, new Rng(0, 'operator'));
    const est = op.classicalEstimate!(op.forward(tensor([3, 74, 100], new Float32Array(3 * 74 * 100).fill(-0.5))), { lambda: 0.02, sweeps: 0 });
    expect(est.shape).toEqual([3, 74, 100]);
    for (const v of est.data) expect(v).toBeCloseTo(-0.5, 5);
  });
});
