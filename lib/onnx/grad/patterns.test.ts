import { describe, expect, it } from 'vitest';
import { gradCheck } from '../../backends/ort-gradcheck';
import type { OnnxNode } from '../proto';
import { matchPatterns } from './patterns';

const node = (name: string, opType: string, inputs: string[], outputs: string[]): OnnxNode => ({ name, opType, domain: '', inputs, outputs, attributes: [] });

describe('VJP patterns', () => {
  it('SiLU: Mul(h, Sigmoid(h)) in either operand order', async () => {
    for (const order of [0, 1]) {
      // float32: ONNX Runtime fuses the forward Mul(h, Sigmoid(h)) into QuickGelu, float only.
      const r = await gradCheck({
        dtype: 'float32',
        inputs: [{ name: 'x', shape: [2, 3, 4] }],
        body: (b, x) => {
          const h = b.node('Mul', [x, x]);
          const s = b.node('Sigmoid', [h]);
          return b.node('Mul', order === 0 ? [h, s] : [s, h]);
        },
      });
      expect(r.maxError).toBeLessThan(r.tol);
    }
  });

  it('SiLU whose sigmoid has another consumer: not matched, still correct', async () => {
    const r = await gradCheck({
      dtype: 'float64',
      inputs: [{ name: 'x', shape: [3, 4] }],
      body: (b, x) => {
        const s = b.node('Sigmoid', [x]);
        return [b.node('Mul', [x, s]), b.node('Tanh', [s])];
      },
    });
    expect(r.maxError).toBeLessThan(r.tol);
    const nodes = [node('sig', 'Sigmoid', ['x'], ['s']), node('mul', 'Mul', ['x', 's'], ['y']), node('tanh', 'Tanh', ['s'], ['z'])];
    expect(matchPatterns(nodes, new Set(['y', 'z'])).size).toBe(0);
    expect(matchPatterns(nodes.slice(0, 2), new Set(['y'])).get('mul')).toEqual({ kind: 'silu', hIndex: 0, s: 's' });
    expect(matchPatterns(nodes.slice(0, 2), new Set(['y', 's'])).size).toBe(0);
  });
});
