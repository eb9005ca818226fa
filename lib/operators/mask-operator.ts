/**
 * Shared construction of the two inpainting operators: a pixel mask m `[H, W]` applied to every
 * channel,
 *
 *   A x = m * x,   A^T y = m * y,
 *   prox: argmin_x ||m x - y||^2 + rho ||x - z||^2 = (m y + rho z) / (m^2 + rho)   (per pixel)
 *
 * (m is 0/1 for generated masks, so A^T A = diag(m); a user-supplied soft mask still gets the
 * exact m^2.)
 *
 * Pseudo-inverse: A^+ y = y / m where m != 0, else 0 (exact; y itself for a 0/1 mask).
 *
 * ONNX form: `Mul(x, mask)` with mask `[1, 1, H, W]` fed at run time (key `mask:CxHxW`, so every
 * mask of one size shares a compiled model). Classical estimate: interpolation fill of the
 * missing pixels (`kernels/interpolation-fill.ts`).
 */
import { SpgdError } from '../errors';
import type { Tensor } from '../tensor';
import { interpolationFill } from './kernels/interpolation-fill';
import { formNames, onnxNode } from './onnx-form';
import { expectShape } from './shape';
import type { BoxRegion, LinearOperator, TaskName } from './types';

export function maskOperator(task: TaskName, inShape: readonly number[], mask: Float32Array, box?: BoxRegion): LinearOperator {
  const [c, h, w] = inShape;
  const plane = h * w;
  if (mask.length !== plane) throw new SpgdError('SHAPE_MISMATCH', `${task}: mask has ${mask.length} values, expected ${h}x${w}`);
  const shape = [c, h, w];
  const m = mask.slice();
  const apply = (t: Tensor, what: string): Tensor => {
    expectShape(t, shape, `${task} ${what}`);
    const out = new Float32Array(c * plane);
    for (let k = 0; k < c; k++) {
      const o = k * plane;
      for (let i = 0; i < plane; i++) out[o + i] = m[i] * t.data[o + i];
    }
    return { shape: [...shape], data: out };
  };
  const maskTensor: Tensor = { shape: [h, w], data: m };
  return {
    task,
    inShape: shape,
    outShape: shape,
    state: { mask: { shape: [h, w], data: m.slice() }, ...(box ? { box: { ...box } } : {}) },
    onnxForm(names) {
      const { input, output, prefix } = formNames(names);
      const inShape = [1, c, h, w];
      const feed = `${prefix}mask`;
      return {
        key: `mask:${c}x${h}x${w}`,
        inShape,
        outShape: inShape,
        input,
        output,
        nodes: [onnxNode(`${prefix}Mul`, 'Mul', [input, feed], [output])],
        initializers: [],
        feeds: [{ name: feed, dims: [1, 1, h, w], data: m.slice() }],
      };
    },
    classicalEstimate: (y, o) => {
      expectShape(y, shape, `${task} y`);
      return interpolationFill(y, maskTensor, o.sweeps);
    },
    forward: (x) => apply(x, 'x'),
    adjoint: (y) => apply(y, 'y'),
    pseudoInverse(y) {
      expectShape(y, shape, `${task} y`);
      const out = new Float32Array(c * plane);
      for (let k = 0; k < c; k++) {
        const o = k * plane;
        for (let i = 0; i < plane; i++) out[o + i] = m[i] === 0 ? 0 : y.data[o + i] / m[i];
      }
      return { shape: [...shape], data: out };
    },
    observed: (y) => apply(y, 'y'),
    proxL2(z, y, rho) {
      expectShape(z, shape, `${task} z`);
      expectShape(y, shape, `${task} y`);
      if (!(rho > 0)) throw new SpgdError('BAD_INPUT', `${task}: proxL2 needs rho > 0, got ${rho}`);
      const out = new Float32Array(c * plane);
      for (let k = 0; k < c; k++) {
        const o = k * plane;
        for (let i = 0; i < plane; i++) {
          const mi = m[i];
          out[o + i] = (mi * y.data[o + i] + rho * z.data[o + i]) / (mi * mi + rho);
        }
      }
      return { shape: [...shape], data: out };
    },
  };
}
