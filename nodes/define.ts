/**
 * The node type contract's declarative half, shared by the editor (ports, params form, static
 * checks) and the server: one node type per file under nodes/<category>/<name>.ts, registered
 * in nodes/index.ts. Its behaviour sits beside it in `<name>.run.ts` (nodes/runs.ts) and, when
 * it has a custom editor widget, `<name>.widget.tsx` (nodes/widgets.ts).
 * Renaming a type or changing its params needs a `migrate` entry and a version bump.
 */
import type { z } from 'zod';
import type { PortFacts, PortSpec } from '../lib/graph/ports';

export const NODE_CATEGORIES = ['input', 'image', 'degradation', 'prior', 'sampler', 'analysis', 'output'] as const;
export type NodeCategory = (typeof NODE_CATEGORIES)[number];

export interface InferResult {
  /** Facts about each output, for checking downstream wires. */
  outputs?: Record<string, PortFacts>;
  /** Problems found from params and input facts (e.g. "sr-x4 needs width divisible by 4"). */
  errors?: string[];
}

export interface NodeDefinition<P extends z.ZodObject = z.ZodObject> {
  /** Stable namespaced type: 'spgd:<category>/<name>'. */
  type: string;
  /** Version of the params shape. */
  version: number;
  title: string;
  category: NodeCategory;
  description: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  /** Params by name, every field with a .default() so a new node is valid as dropped. */
  params: P;
  /**
   * Static facts of the outputs from params and the facts of connected inputs; `described` is
   * what the compiler learnt from outside (the run code's `describe`), absent in the editor.
   */
  infer?: (params: z.infer<P>, inputs: Record<string, PortFacts | undefined>, described?: Record<string, PortFacts>) => InferResult;
  /** Params migrations: from version k to k + 1. */
  migrate?: Record<number, (params: Record<string, unknown>) => Record<string, unknown>>;
}

/**
 * A param's help text: its schema's `.describe()` text, looked up through the wrappers
 * (`.default()`, `.optional()`) a description may sit inside or outside of.
 */
export function paramDescription(schema: z.ZodType): string | undefined {
  let s: z.ZodType | undefined = schema;
  for (let i = 0; s && i < 8; i++) {
    if (s.description) return s.description;
    s = (s as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def.innerType;
  }
  return undefined;
}

export function defineNode<P extends z.ZodObject>(def: NodeDefinition<P>): NodeDefinition<P> {
  if (!/^spgd:[a-z]+\/[a-z0-9-]+$/.test(def.type)) throw new Error(`bad node type '${def.type}'`);
  return def;
}
