/**
 * What the compiler learns about a prior model at one image size (`CompileEnv.inspectPrior`),
 * from its ONNX bytes: FLOPs, parameters, signature problems and the ops the gradient compiler
 * cannot differentiate. The server's prior registry and the CLI share it.
 */
import { inspectModel, type ModelInspection } from '../onnx/compile';
import type { PriorReport } from './node-run';

/** The ops on the x path without a VJP rule, as "OpType 'node'". */
export function describeOps(info: ModelInspection): string[] {
  return info.nonDifferentiable.map((o) => `${o.opType} '${o.nodeName}'`);
}

/** The inspection's problems other than "n op(s) cannot be differentiated" (reported as ops instead). */
export function signatureProblems(info: ModelInspection): string[] {
  return info.problems.filter((p) => !/^\d+ op\(s\) on the x path cannot be differentiated$/.test(p));
}

/** The analytic Gaussian prior: a handful of FLOPs per pixel, no parameters. */
export function gaussianPriorReport(size: { height: number; width: number }): PriorReport {
  return { flops: 10 * 3 * size.height * size.width, parameters: 0, problems: [], unsupportedOps: [] };
}

export function priorReport(bytes: Uint8Array, size: { height: number; width: number }): PriorReport {
  try {
    const info = inspectModel(bytes, size);
    return { flops: info.flops, parameters: info.parameterCount, problems: signatureProblems(info), unsupportedOps: describeOps(info) };
  } catch (e) {
    return { flops: 0, parameters: 0, problems: [(e as Error).message], unsupportedOps: [] };
  }
}
