import { describe, expect, it } from 'vitest';
import { relL2 } from '../../tests/support/golden';
import { OrtEpsModel } from '../backends/ort-node';
import { vpDenoiser } from '../diffusion/vp';
import { createOperator, simulateMeasurement } from '../operators';
import { Rng } from '../rng';
import { describedSquaredResidualLoss } from '../samplers/guidance/likelihood';
import { tensor } from '../tensor';
import { UnsupportedOpError } from './errors';
import { compileGuidanceModel, GUIDANCE_OPERATOR_NAMES } from './guidance';
import { tinyEpsModel } from './test-models';


/** Fused vs unfused denoiseWithGrad on one model, operator and size. */
async function compare(bytes: Uint8Array, task: string, size: number) {
  const prior = await OrtEpsModel.create(bytes);
  try {
    const shape = [3, size, size];
    const rng = new Rng(1, 'guidance-test');
    const op = createOperator(task, shape, {}, new Rng(2, 'operator'));
    const y = simulateMeasurement(op, tensor(shape, rng.normals(3 * size * size)), 0.05, new Rng(3, 'measurement'));
    const x = tensor(shape, rng.normals(3 * size * size));
    const loss = describedSquaredResidualLoss(op, y);
    const fused = await vpDenoiser(prior).denoiseWithGrad(x, 3.2, loss);
    const plain = await vpDenoiser(prior, { fuse: false }).denoiseWithGrad(x, 3.2, loss);
    expect(Object.keys(prior.guidanceReports())).toHaveLength(1);
    return { d: relL2(fused.denoised.data, plain.denoised.data), g: relL2(fused.grad.data, plain.grad.data), loss: Math.abs(fused.loss / plain.loss - 1) };
  } finally {
    await prior.release();
  }
}

describe('compileGuidanceModel', () => {
  it('moves model values named like the fused model\'s inputs and outputs out of the way', async () => {
    // Image input called 'c_in', timestep 'sigma', output 'D'; an internal value 'A_mask'.
    const bytes = tinyEpsModel({
      xName: 'c_in',
      tName: 'sigma',
      outName: 'D',
      xPath: (b, h) => b.node('Tanh', [h], [], ['A_mask']),
    });
    const e = await compare(bytes, 'inpaint-random', 8);
    expect(e.d).toBeLessThan(1e-5);
    expect(e.g).toBeLessThan(1e-5);
    expect(e.loss).toBeLessThan(1e-5);
  });

  it('int64 timesteps and a 6-channel output (only eps enters D)', async () => {
    const e = await compare(tinyEpsModel({ tType: 'int64', outChannels: 6 }), 'sr-x4', 16);
    expect(e.d).toBeLessThan(1e-5);
    expect(e.g).toBeLessThan(1e-5);
  });

  it('reflect-padded blur at the smallest size the 61x61 kernel allows', async () => {
    const e = await compare(tinyEpsModel({ xPath: (b, h) => b.node('Tanh', [h]) }), 'gaussian-blur', 32);
    expect(e.g).toBeLessThan(1e-5);
  });

  it('rejects a form built for another size or with other names', () => {
    const op = createOperator('inpaint-box', [3, 16, 16], {}, new Rng(1, 'operator'));
    const form = op.onnxForm!(GUIDANCE_OPERATOR_NAMES)!;
    expect(() => compileGuidanceModel(tinyEpsModel(), { height: 32, width: 32, operator: form })).toThrow(/takes \[1, 3, 16, 16\]/);
    const other = op.onnxForm!()!;
    expect(() => compileGuidanceModel(tinyEpsModel(), { height: 16, width: 16, operator: other })).toThrow(/must read 'D'/);
  });

  it('names every op that blocks differentiation', () => {
    const op = createOperator('inpaint-random', [3, 8, 8], {}, new Rng(1, 'operator'));
    const form = op.onnxForm!(GUIDANCE_OPERATOR_NAMES)!;
    const bytes = tinyEpsModel({ xPath: (b, h) => b.node('Mul', [h, b.node('Floor', [h], [], ['fl'], 'floor_on_x')]) });
    expect(() => compileGuidanceModel(bytes, { height: 8, width: 8, operator: form })).toThrow(UnsupportedOpError);
  });

  it('reports the operator key and the backward graph', () => {
    const op = createOperator('motion-blur', [3, 32, 32], {}, new Rng(1, 'operator'));
    const form = op.onnxForm!(GUIDANCE_OPERATOR_NAMES)!;
    const { report } = compileGuidanceModel(tinyEpsModel(), { height: 32, width: 32, operator: form });
    expect(report.operatorKey).toMatch(/^blur:\d+,\d+,\d+,\d+\/61x61:3x32x32$/);
    // The reflect-pad adjoint folds each border as one block, not pixel by pixel.
    const ops: Partial<Record<string, number>> = report.backwardOps; // an op that is not emitted has no entry
    expect(ops.Pad ?? 0).toBeLessThanOrEqual(8);
  });
});
