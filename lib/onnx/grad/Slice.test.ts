import { describe, expect, it } from 'vitest';
import { DataType } from '../proto';
import { gradCheck } from '../../backends/ort-gradcheck';
import type { ModelBuilder } from '../builder';

let counter = 0;

function slice(b: ModelBuilder, x: string, starts: number[], ends: number[], axes: number[], steps?: number[]): string {
  const k = counter++;
  const ins = [
    x,
    b.init(`s${k}`, DataType.INT64, [starts.length], starts),
    b.init(`e${k}`, DataType.INT64, [ends.length], ends),
    b.init(`a${k}`, DataType.INT64, [axes.length], axes),
  ];
  if (steps) ins.push(b.init(`t${k}`, DataType.INT64, [steps.length], steps));
  return b.node('Slice', ins);
}

describe('Slice VJP', () => {
  it('unit steps on two axes (channel slice)', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [2, 6, 3] }],
      body: (b, x) => b.node('Tanh', [slice(b, x, [1, 0], [4, -1], [1, 2])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
  it('strided and negative steps, with INT64 bounds', async () => {
    const r = await gradCheck({
      inputs: [{ name: 'x', shape: [7, 8] }],
      body: (b, x) => b.node('Tanh', [slice(b, x, [1, -1], [9223372036854775807, -9223372036854775807], [0, 1], [3, -2])]),
    });
    expect(r.maxError).toBeLessThan(r.tol);
  });
});
