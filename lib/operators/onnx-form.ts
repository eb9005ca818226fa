/**
 * ONNX forms of the degradation operators: A as a small ONNX subgraph, so a backend can fuse
 * the data term ||A D - y||^2 and its gradient into the prior's own graph
 * (`lib/onnx/guidance.ts`).
 *
 *   inpaint-random, inpaint-box   A x = Mul(x, mask)                 mask [1, 1, H, W]
 *   gaussian-blur, motion-blur    A x = Conv(Pad_reflect(x, p), K)   K [C, 1, kh, kw], group C
 *                                 (K trimmed to its nonzero box, pads to match; a rank-one box,
 *                                 the Gaussian, as a column Conv then a row Conv)
 *   sr-x4                         A x = MatMul(MatMul(Wh, x), Ww^T)  Wh [H/4, H], Ww^T [W, W/4]
 *
 * on one image `[1, C, H, W]`. ONNX Pad 'reflect' reflects without repeating the edge
 * (index -j -> j), which is the blur operators' boundary; Conv is cross-correlation (no flip),
 * as the operators apply K. The operator's data (mask, kernel, bicubic matrices) are model
 * *inputs*, fed per run, so one compiled model serves every operator with the same `key`
 * (every 64x64 inpainting mask; every blur kernel with the same nonzero box).
 *
 * A form is read from the operator's `task` and `state`, which by the `LinearOperator`
 * contract determine A (`fromState` rebuilds it from them). `onnx-form.test.ts` checks every
 * form against the operator's own forward on random input.
 *
 * @example
 * const form = operatorOnnxForm(op, { input: 'D', output: 'AD' });
 * if (form) compileGuidanceModel(prior, { height: 64, width: 64, operator: form });
 */
import { attr, makeTensor } from '../onnx/attrs';
import type { OnnxFormNames, OperatorOnnxForm } from '../onnx/operator-form';
import { DataType, type OnnxNode } from '../onnx/proto';
import { bicubicDownMatrix } from './kernels/bicubic';
import { factorSeparable } from './kernels/separable-correlate';
import type { BandedMatrix } from './kernels/banded';
import type { LinearOperator } from './types';

export type { OnnxFormNames, OperatorFeed, OperatorOnnxForm } from '../onnx/operator-form';

function node(name: string, opType: string, inputs: string[], outputs: string[], attributes: OnnxNode['attributes'] = []): OnnxNode {
  return { name, opType, domain: '', inputs, outputs, attributes };
}

function dense(m: BandedMatrix, transpose: boolean): Float32Array {
  const out = new Float32Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let t = 0; t < m.width; t++) {
      const j = m.start[i] + t;
      const w = m.weights[i * m.width + t];
      if (w === 0) continue;
      if (transpose) out[j * m.rows + i] += w;
      else out[i * m.cols + j] += w;
    }
  }
  return out;
}

/**
 * Blur: correlate(reflectpad(x), K) on K's nonzero bounding box only (zero taps cost nothing
 * in the TS operator either): the reflect pads become (centre - first row, last row - centre,
 * ...) and the kernel is the box. A rank-one box (the Gaussian) is two 1-D depthwise
 * convolutions, any other (motion) one 2-D depthwise convolution. The box geometry is part of
 * the key (a new motion kernel may need a new compiled model).
 */
function blurForm(
  kernel: Float32Array,
  kh: number,
  kw: number,
  c: number,
  h: number,
  w: number,
  inShape: number[],
  input: string,
  output: string,
  p: string,
): OperatorOnnxForm {
  const ch = (kh - 1) / 2;
  const cw = (kw - 1) / 2;
  let [a0, a1, b0, b1] = [kh, -1, kw, -1];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      if (kernel[i * kw + j] !== 0) {
        a0 = Math.min(a0, i);
        a1 = Math.max(a1, i);
        b0 = Math.min(b0, j);
        b1 = Math.max(b1, j);
      }
    }
  }
  if (a1 < 0) [a0, a1, b0, b1] = [ch, ch, cw, cw];
  const th = a1 - a0 + 1;
  const tw = b1 - b0 + 1;
  const box = new Float32Array(th * tw);
  for (let i = 0; i < th; i++) for (let j = 0; j < tw; j++) box[i * tw + j] = kernel[(a0 + i) * kw + b0 + j];
  const pads = `${p}pads`;
  const padded = `${p}padded`;
  const padNode = node(`${p}Pad`, 'Pad', [input, pads], [padded], [attr.string('mode', 'reflect')]);
  const padInit = makeTensor(pads, DataType.INT64, [8], [0, 0, ch - a0, cw - b0, 0, 0, a1 - ch, b1 - cw]);
  const conv = (name: string, x: string, wName: string, out: string, k: [number, number]) =>
    node(name, 'Conv', [x, wName], [out], [attr.int('group', c), attr.ints('kernel_shape', k), attr.ints('pads', [0, 0, 0, 0]), attr.ints('strides', [1, 1])]);
  const repeat = (v: ArrayLike<number>) => {
    const out = new Float32Array(c * v.length);
    for (let ch2 = 0; ch2 < c; ch2++) out.set(v, ch2 * v.length);
    return out;
  };
  const geometry = `${a0},${a1},${b0},${b1}/${kh}x${kw}:${c}x${h}x${w}`;
  const sep = th > 1 && tw > 1 ? factorSeparable(box, th, tw) : null;
  if (sep) {
    const kv = `${p}kernel_v`;
    const kh2 = `${p}kernel_h`;
    const mid = `${p}cols`;
    return {
      key: `blur-sep:${geometry}`,
      inShape,
      outShape: inShape,
      input,
      output,
      nodes: [padNode, conv(`${p}Conv_v`, padded, kv, mid, [th, 1]), conv(`${p}Conv_h`, mid, kh2, output, [1, tw])],
      initializers: [padInit],
      feeds: [
        { name: kv, dims: [c, 1, th, 1], data: repeat(sep.u) },
        { name: kh2, dims: [c, 1, 1, tw], data: repeat(sep.v) },
      ],
    };
  }
  const kName = `${p}kernel`;
  return {
    key: `blur:${geometry}`,
    inShape,
    outShape: inShape,
    input,
    output,
    nodes: [padNode, conv(`${p}Conv`, padded, kName, output, [th, tw])],
    initializers: [padInit],
    feeds: [{ name: kName, dims: [c, 1, th, tw], data: repeat(box) }],
  };
}

/**
 * The ONNX form of `op`, or null when its task has none (or its state does not describe it:
 * e.g. an inpainting operator without a mask).
 */
export function operatorOnnxForm(op: LinearOperator, names: OnnxFormNames = {}): OperatorOnnxForm | null {
  const input = names.input ?? 'A_in';
  const output = names.output ?? 'A_out';
  const p = names.prefix ?? 'A_';
  if (op.inShape.length !== 3) return null;
  const [c, h, w] = op.inShape;
  const inShape = [1, c, h, w];
  switch (op.task) {
    case 'inpaint-random':
    case 'inpaint-box': {
      const mask = op.state.mask;
      if (!mask || mask.shape.length !== 2 || mask.shape[0] !== h || mask.shape[1] !== w) return null;
      const m = `${p}mask`;
      return {
        key: `mask:${c}x${h}x${w}`,
        inShape,
        outShape: inShape,
        input,
        output,
        nodes: [node(`${p}Mul`, 'Mul', [input, m], [output])],
        initializers: [],
        feeds: [{ name: m, dims: [1, 1, h, w], data: Float32Array.from(mask.data) }],
      };
    }
    case 'gaussian-blur':
    case 'motion-blur': {
      const k = op.state.kernel;
      if (!k || k.shape.length !== 2 || k.shape[0] % 2 !== 1 || k.shape[1] % 2 !== 1) return null;
      const [kh, kw] = k.shape;
      // Pad 'reflect' needs the pad smaller than the axis (the operators check the same).
      if ((kh - 1) / 2 >= h || (kw - 1) / 2 >= w) return null;
      return blurForm(k.data, kh, kw, c, h, w, inShape, input, output, p);
    }
    case 'sr-x4': {
      if (h % 4 !== 0 || w % 4 !== 0) return null;
      const wh = bicubicDownMatrix(h, 4);
      const ww = bicubicDownMatrix(w, 4);
      const whName = `${p}w_h`;
      const wwtName = `${p}w_w_t`;
      const rows = `${p}rows`;
      return {
        key: `sr-x4:${c}x${h}x${w}`,
        inShape,
        outShape: [1, c, h / 4, w / 4],
        input,
        output,
        nodes: [
          node(`${p}MatMul_rows`, 'MatMul', [whName, input], [rows]),
          node(`${p}MatMul_cols`, 'MatMul', [rows, wwtName], [output]),
        ],
        initializers: [],
        feeds: [
          { name: whName, dims: [h / 4, h], data: dense(wh, false) },
          { name: wwtName, dims: [w, w / 4], data: dense(ww, true) },
        ],
      };
    }
    default:
      return null;
  }
}
