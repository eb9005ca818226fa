/**
 * Shared pieces of the operators' ONNX forms (`LinearOperator.onnxForm`): A as a small ONNX
 * subgraph on one image `[1, C, H, W]`, so a backend can fuse the data term ||A D - y||^2 and
 * its gradient into the prior's own graph (`lib/onnx/guidance.ts`).
 *
 * The operator's data (mask, blur kernel, bicubic matrices) are model *inputs*, fed per run, so
 * one compiled model serves every operator with the same form `key`. Each operator file builds
 * its own form from its state; `onnx-form.test.ts` checks every registered operator's form
 * against its own forward through ONNX Runtime.
 */
import type { OnnxFormNames } from '../onnx/operator-form';
import type { OnnxNode } from '../onnx/proto';
import type { BandedMatrix } from './kernels/banded';

export type { OnnxFormNames, OperatorFeed, OperatorOnnxForm } from '../onnx/operator-form';

/** Names with their defaults: A reads `A_in`, writes `A_out`, everything else is prefixed `A_`. */
export function formNames(names: OnnxFormNames = {}): Required<OnnxFormNames> {
  return { input: names.input ?? 'A_in', output: names.output ?? 'A_out', prefix: names.prefix ?? 'A_' };
}

export function onnxNode(name: string, opType: string, inputs: string[], outputs: string[], attributes: OnnxNode['attributes'] = []): OnnxNode {
  return { name, opType, domain: '', inputs, outputs, attributes };
}

/** A banded matrix as a dense row-major float32 array (or its transpose). */
export function denseMatrix(m: BandedMatrix, transpose: boolean): Float32Array {
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
