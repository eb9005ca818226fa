import { describe, expect, it } from 'vitest';
import { attr } from '../attrs';
import { gradCheck } from '../../backends/ort-gradcheck';

describe('Einsum VJP', () => {
  it("attention weights 'bct,bcs->bts'", async () => {
    const r = await gradCheck({
      inputs: [{ name: 'q', shape: [2, 3, 4] }, { name: 'k', shape: [2, 3, 5] }],
      body: (b, q, k) => b.node('Einsum', [q, k], [attr.string('equation', 'bct,bcs->bts')]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it("attention output 'bts,bcs->bct'", async () => {
    const r = await gradCheck({
      inputs: [{ name: 'w', shape: [2, 4, 5] }, { name: 'v', shape: [2, 3, 5] }],
      body: (b, w, v) => b.node('Einsum', [w, v], [attr.string('equation', 'bts,bcs->bct')]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('an index summed inside one operand only, implicit output', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'a', shape: [2, 3, 4] }, { name: 'b', shape: [3, 5] }],
      body: (b, a, c) => b.node('Einsum', [a, c], [attr.string('equation', 'ijk,jl')]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
