/**
 * The contract between the backprop driver and the per-op VJP rules (one file per ONNX op
 * type, registered in `index.ts`). Rules emit ONNX nodes; they never compute tensors.
 */
import type { DataTypeCode, OnnxNode, OnnxTensor } from '../proto';

export interface VjpContext {
  /** The forward node being differentiated. */
  readonly node: OnnxNode;
  /** Default-domain opset of the emitted graph. */
  readonly opset: number;
  /** Name of forward input i ('' when the optional input is absent). */
  input(i: number): string;
  /** Name of forward output i. */
  output(i: number): string;
  /** True when forward nodes or the graph outputs read output i. */
  outputUsed(i: number): boolean;
  /**
   * Incoming gradient (cotangent) of output i. Outputs on the path that received no
   * contribution get a zero tensor; an output that carries none (integer outputs) throws,
   * naming the node.
   */
  gradOut(i: number): string;
  /** Like gradOut, but undefined for an output that carries no gradient (multi-output ops). */
  optionalGradOut(i: number): string | undefined;
  /** The name the rule must produce for the gradient of input i (only when needsGrad(i)). */
  gradIn(i: number): string;
  /** True when input i is a float value that depends on a differentiated input. */
  needsGrad(i: number): boolean;
  /** A fresh value name, prefixed `<node>_Grad/`. */
  temp(name: string): string;
  /** Static shape of a forward value (throws a ShapeInferenceError naming the node if unknown). */
  shape(value: string): number[];
  /** Element type of a forward value. */
  dtype(value: string): DataTypeCode;
  /** Compile-time value of a forward value (initializers and folded constants), if known. */
  constant(value: string): OnnxTensor | undefined;
}

export interface VjpRule {
  /** Emits the nodes computing gradIn(i) for every input with needsGrad(i). */
  readonly vjp: (ctx: VjpContext) => OnnxNode[];
  /**
   * Returns a reason when this particular node (attributes, shapes, which inputs need a
   * gradient) is a variant the rule cannot differentiate. Runs before any node is emitted,
   * so all offenders are reported together. gradOut/gradIn must not be called here.
   */
  readonly check?: (ctx: VjpContext) => string | undefined;
}

/**
 * 'zero': the op's outputs carry no gradient (shape queries, comparisons, constants).
 * 'unsupported': the op is piecewise constant or random; differentiating through it is refused.
 */
export type VjpEntry = VjpRule | 'zero' | 'unsupported';
