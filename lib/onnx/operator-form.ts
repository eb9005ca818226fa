/**
 * The interface between a degradation operator and the guidance compiler (`guidance.ts`): A as
 * a small ONNX subgraph with its run-time feeds. Operators build these (`lib/operators`); this
 * module only describes them, so lib/onnx never imports lib/operators.
 */
import type { OnnxNode, OnnxTensor } from './proto';

/** A run-time input of the form (its name in the graph, shape and this operator's values). */
export interface OperatorFeed {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export interface OperatorOnnxForm {
  /**
   * Graph identity: forms with equal keys build identical subgraphs and differ only in their
   * feeds, so one compiled model (and session) serves them all.
   */
  readonly key: string;
  /** `[1, C, H, W]`. */
  readonly inShape: readonly number[];
  /** `[1, C, h, w]` (`[1, C, H/4, W/4]` for sr-x4). */
  readonly outShape: readonly number[];
  /** The value the subgraph reads (A's argument) and the value it writes (A x). */
  readonly input: string;
  readonly output: string;
  readonly nodes: readonly OnnxNode[];
  /** Compile-time constants of the subgraph (e.g. the pads). */
  readonly initializers: readonly OnnxTensor[];
  /** Run-time inputs of the subgraph with this operator's values. */
  readonly feeds: readonly OperatorFeed[];
}

export interface OnnxFormNames {
  /** Name of A's argument in the graph (default 'A_in'). */
  input?: string;
  /** Name of A x (default 'A_out'). */
  output?: string;
  /** Prefix of every other value, node and feed name (default 'A_'). */
  prefix?: string;
}
