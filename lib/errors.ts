/**
 * Domain errors with stable codes. The CLI prints `message` on one line; the server maps
 * `code` to a tRPC error code. Each carries enough context to point at the input that
 * caused it (flag, node, file).
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'BAD_IMAGE'
  | 'IMAGE_TOO_SMALL'
  | 'UNKNOWN_TASK'
  | 'SHAPE_MISMATCH'
  | 'DIVERGED'
  | 'CANCELLED'
  | 'UNSUPPORTED_OP'
  | 'BAD_MODEL'
  /** A graph document that does not compile: the per-node issues are on the error. */
  | 'GRAPH_INVALID'
  /** The browser backend ran out of memory, lost its GPU device or got a model too large for a tab. */
  | 'BROWSER_RESOURCE'
  /** A run whose estimate passes the server's limits (time, memory, image size, node count). */
  | 'RUN_TOO_LARGE'
  /** The run queue's store (Redis) cannot be reached: nothing was queued. */
  | 'QUEUE_UNAVAILABLE';

export class SpgdError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SpgdError';
  }
}

/** A sampler's state went NaN/Inf: the step size is too large for this prior and task. */
export class DivergedError extends SpgdError {
  constructor(
    readonly step: number,
    readonly warmupStep: number | null,
    readonly stepSizeName = 'eta',
  ) {
    super(
      'DIVERGED',
      `diverged: lower the step size (${stepSizeName}); NaN/Inf appeared at step ${step}` +
        (warmupStep === null ? '' : `, warm-up step ${warmupStep}`),
    );
    this.name = 'DivergedError';
  }
}

/** A document that does not compile; `issues` are the compiler's per-node and graph-level issues. */
export class GraphInvalidError extends SpgdError {
  constructor(readonly issues: { nodes: Record<string, string[]>; graph: string[] }) {
    const first = [...issues.graph, ...Object.entries(issues.nodes).map(([id, m]) => `${id}: ${m[0]}`)].slice(0, 3).join('; ');
    super('GRAPH_INVALID', `the graph does not compile: ${first}`);
    this.name = 'GraphInvalidError';
  }
}

/** The per-node issues of a GraphInvalidError, recognised by its code (also across bundles). */
export function graphIssuesOf(e: unknown): GraphInvalidError['issues'] | null {
  if (!isSpgdError(e) || e.code !== 'GRAPH_INVALID') return null;
  // A GRAPH_INVALID error from another bundle is no GraphInvalidError instance, and may lack `issues`.
  return (e as Partial<Pick<GraphInvalidError, 'issues'>>).issues ?? null;
}

/** A run the server will not take; `node` is the node that costs most, when one does. */
export class RunTooLargeError extends SpgdError {
  constructor(
    message: string,
    readonly node?: string,
  ) {
    super('RUN_TOO_LARGE', message);
    this.name = 'RunTooLargeError';
  }
}

/** The node an engine error points at (`node` on the error), recognised by shape (also across bundles). */
export function errorNodeOf(e: unknown): string | null {
  if (!isSpgdError(e)) return null;
  const node = (e as { node?: unknown }).node;
  return typeof node === 'string' ? node : null;
}

export class CancelledError extends SpgdError {
  constructor() {
    super('CANCELLED', 'cancelled');
    this.name = 'CancelledError';
  }
}

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'BAD_INPUT',
  'BAD_IMAGE',
  'IMAGE_TOO_SMALL',
  'UNKNOWN_TASK',
  'SHAPE_MISMATCH',
  'DIVERGED',
  'CANCELLED',
  'UNSUPPORTED_OP',
  'BAD_MODEL',
  'GRAPH_INVALID',
  'BROWSER_RESOURCE',
  'RUN_TOO_LARGE',
  'QUEUE_UNAVAILABLE',
]);

/**
 * True for engine errors, also when the error class was loaded twice (a bundler can put lib/
 * in two chunks, and `instanceof` then fails across them): checks the shape, not the class.
 */
export function isSpgdError(e: unknown): e is SpgdError {
  if (e instanceof SpgdError) return true;
  const code = (e as { code?: unknown } | null)?.code;
  return e instanceof Error && typeof code === 'string' && ERROR_CODES.has(code);
}

/** Cancellation point: samplers call this before every network evaluation. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
