/**
 * Errors raised while compiling an ONNX model's gradient graph. They are raised when a model
 * is compiled or loaded, never in the middle of a sampling run.
 */
import { SpgdError } from '../errors';

export interface OffendingNode {
  opType: string;
  nodeName: string;
  /** Why the node cannot be differentiated (absent: the op has no VJP rule at all). */
  reason?: string;
}

/**
 * One or more nodes on the path from the image input to the network output have no VJP rule
 * (or use a variant of an op the rule does not handle). The message names every offending op
 * type and node at once, so a user sees the whole list in one go.
 */
export class UnsupportedOpError extends SpgdError {
  readonly offenders: readonly OffendingNode[];

  constructor(offenders: OffendingNode[] | string, nodeName?: string) {
    const list: OffendingNode[] =
      typeof offenders === 'string' ? [{ opType: offenders, nodeName: nodeName ?? '' }] : offenders;
    const types = [...new Set(list.map((o) => o.opType))].sort();
    const details = list
      .map((o) => `${o.opType} '${o.nodeName}'${o.reason ? ` (${o.reason})` : ''}`)
      .join(', ');
    super(
      'UNSUPPORTED_OP',
      `cannot differentiate the network with respect to its image input: unsupported op type${types.length > 1 ? 's' : ''} ` +
        `${types.join(', ')} on the input-to-output path: ${details}`,
    );
    this.name = 'UnsupportedOpError';
    this.offenders = list;
  }
}

/** A value's static shape could not be inferred for the requested input size. */
export class ShapeInferenceError extends SpgdError {
  constructor(
    readonly nodeName: string,
    readonly opType: string,
    detail: string,
  ) {
    super('BAD_MODEL', `cannot infer static shapes at this input size: ${opType} node '${nodeName}': ${detail}`);
    this.name = 'ShapeInferenceError';
  }
}
