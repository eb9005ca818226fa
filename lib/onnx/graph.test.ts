import { describe, expect, it } from 'vitest';
import { attr, tensorValues } from './attrs';
import { ModelBuilder } from './builder';
import { foldAndInferShapes, Graph, topoSort } from './graph';
import { DataType, decodeModel } from './proto';

describe('graph IR', () => {
  it('topoSort orders producers first and detects cycles', () => {
    const n = (name: string, inputs: string[], outputs: string[]) => ({ name, opType: 'Identity', domain: '', inputs, outputs, attributes: [] });
    const order = topoSort([n('b', ['a1'], ['b1']), n('a', ['x'], ['a1'])], ['x']);
    expect(order.map((o) => o.name)).toEqual(['a', 'b']);
    expect(() => topoSort([n('a', ['b1'], ['a1']), n('b', ['a1'], ['b1'])], [])).toThrow(/cycle/);
    expect(() => topoSort([n('a', ['nope'], ['a1'])], [])).toThrow(/reads 'nope'/);
  });

  it('folds a Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain for a static size and infers shapes', () => {
    const b = new ModelBuilder();
    const x = b.input('x', DataType.FLOAT, ['N', 'C', 'H', 'W']);
    const s = b.node('Shape', [x]);
    const n = b.node('Gather', [s, b.init('i0', DataType.INT64, [], [0])], [attr.int('axis', 0)]);
    const hw = b.node('Mul', [b.node('Gather', [s, b.init('i2', DataType.INT64, [], [2])]), b.node('Gather', [s, b.init('i3', DataType.INT64, [], [3])])]);
    const parts = [n, b.init('g', DataType.INT64, [], [2]), b.node('Div', [b.node('Gather', [s, b.init('i1', DataType.INT64, [], [1])]), b.init('two', DataType.INT64, [], [2])]), hw].map((p, k) =>
      b.node('Unsqueeze', [p, b.init(`ax${k}`, DataType.INT64, [1], [0])]),
    );
    const target = b.node('Concat', parts, [attr.int('axis', 0)]);
    b.node('Reshape', [x, target], [], ['y']);
    b.output('y', DataType.FLOAT);
    const g = Graph.fromProto(decodeModel(b.build()).graph);
    const r = foldAndInferShapes(g, new Map([['x', [2, 6, 4, 5]]]), 17);
    expect(r.graph.nodes.map((k) => k.opType)).toEqual(['Reshape']);
    expect(tensorValues(r.constants.get(target)!)).toEqual([2, 2, 3, 20]);
    expect(r.meta.get('y')).toEqual({ shape: [2, 2, 3, 20], dtype: DataType.FLOAT });
    expect(r.foldedNodes).toBeGreaterThan(10);
  });
});
