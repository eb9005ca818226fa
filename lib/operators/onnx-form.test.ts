/**
 * Every registered operator, on every example shape (plus the 64x64 and 256x256 sizes the
 * fused guidance models use), against its ONNX form run through ONNX Runtime:
 * ||form(x) - A x|| / ||A x|| <= 1e-5 on random input.
 */
import { describe, expect, it } from 'vitest';
import { runOnnx } from '../backends/ort-node';
import { encodeModel, DataType } from '../onnx/proto';
import { Rng } from '../rng';
import { createOperator, OPERATORS, operatorFromState, TASKS } from './index';
import type { OperatorOnnxForm } from './onnx-form';
import { randomTensor } from './testing';
import type { LinearOperator, OperatorState, TaskName } from './types';

function formModel(form: OperatorOnnxForm): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'onnx-form-test',
    producerVersion: '1',
    domain: '',
    modelVersion: 1,
    docString: '',
    graph: {
      name: form.key,
      nodes: [...form.nodes],
      initializers: [...form.initializers],
      inputs: [
        { name: form.input, elemType: DataType.FLOAT, shape: [...form.inShape] },
        ...form.feeds.map((f) => ({ name: f.name, elemType: DataType.FLOAT, shape: [...f.dims] })),
      ],
      outputs: [{ name: form.output, elemType: DataType.FLOAT, shape: [...form.outShape] }],
      valueInfo: [],
    },
    metadata: [],
  });
}

async function relError(op: LinearOperator, seed: number): Promise<number> {
  const form = op.onnxForm!()!;
  expect(form).not.toBeNull();
  const x = randomTensor(op.inShape, new Rng(seed, 'onnx-form'));
  const feeds = {
    [form.input]: { dtype: 'float32' as const, dims: [...form.inShape], data: x.data },
    ...Object.fromEntries(form.feeds.map((f) => [f.name, { dtype: 'float32' as const, dims: [...f.dims], data: f.data }])),
  };
  const out = (await runOnnx(formModel(form), feeds))[form.output];
  expect(out.dims).toEqual([...form.outShape]);
  const ref = op.forward(x).data;
  const got = out.data as Float32Array;
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (got[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  return Math.sqrt(num / den);
}

const cases: { task: TaskName; inShape: number[]; params: Record<string, unknown>; state?: OperatorState }[] = TASKS.flatMap((task) => [
  ...OPERATORS[task].examples.map((ex) => ({ task, inShape: [...ex.inShape], params: ex.params ?? {}, state: ex.state })),
  // The sizes the fused guidance models use (operators built from user data keep their examples' sizes).
  ...(OPERATORS[task].examples.some((ex) => ex.state) ? [] : [{ task, inShape: [3, 64, 64], params: {} }]),
  ...(task === 'motion-blur' || task === 'sr-x4' ? [{ task, inShape: [3, 256, 256], params: {} }] : []),
]);

describe('operator ONNX forms', () => {
  it.each(cases.map((c) => ({ ...c, label: `${c.task} ${c.inShape.join('x')}` })))('$label matches the operator forward (<= 1e-5 relative)', async (c) => {
    const op = c.state ? operatorFromState(c.task, c.inShape, c.params, c.state) : createOperator(c.task, c.inShape, c.params, new Rng(3, 'operator'));
    const err = await relError(op, 7);
    console.log(`onnx form ${c.task} ${c.inShape.join('x')}: rel err ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-5);
  });

  it('keys identify the graph: same kind and size share a key, other data does not change it', () => {
    const a = createOperator('inpaint-random', [3, 32, 32], {}, new Rng(1, 'operator')).onnxForm!()!;
    const b = createOperator('inpaint-box', [3, 32, 32], {}, new Rng(2, 'operator')).onnxForm!()!;
    const c = createOperator('inpaint-random', [3, 64, 64], {}, new Rng(1, 'operator')).onnxForm!()!;
    expect(a.key).toBe(b.key);
    expect(a.key).not.toBe(c.key);
    // Blurs run on the kernel's nonzero box: the Gaussian (std 3: 25 taps) as two 1-D passes.
    const g = createOperator('gaussian-blur', [3, 64, 64], {}, new Rng(1, 'operator')).onnxForm!()!;
    expect(g.key).toBe('blur-sep:18,42,18,42/61x61:3x64x64');
    expect(g.feeds.map((f) => f.dims)).toEqual([
      [3, 1, 25, 1],
      [3, 1, 1, 25],
    ]);
    const m = createOperator('motion-blur', [3, 64, 64], {}, new Rng(1, 'operator')).onnxForm!()!;
    expect(m.key.startsWith('blur:')).toBe(true);
    expect(m.feeds[0].dims[2]).toBeLessThan(61);
  });

  it('uses the requested names', () => {
    const op = createOperator('sr-x4', [3, 32, 32], {}, new Rng(1, 'operator'));
    const f = op.onnxForm!({ input: 'D', output: 'AD', prefix: 'op_' })!;
    expect(f.input).toBe('D');
    expect(f.output).toBe('AD');
    expect(f.feeds.map((x) => x.name)).toEqual(['op_w_h', 'op_w_w_t']);
    expect(f.nodes[0].inputs).toContain('D');
  });
});
