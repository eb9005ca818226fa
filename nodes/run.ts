/**
 * The node type contract's behavioural half: `nodes/<category>/<name>.run.ts` exports one
 * `defineNodeRun(definition, { describe?, plan?, run, cacheable? })` (lib/plan/node-run.ts says
 * what each hook does). Run files may import the engine; they are collected in nodes/runs.ts,
 * which only the server, the CLI and the browser worker load.
 */
import type { z } from 'zod';
import type { NodeRun } from '../lib/plan/node-run';
import type { NodeDefinition } from './define';

export interface NodeRunEntry<P = Record<string, unknown>> extends NodeRun<P> {
  /** The node type this is the run code of. */
  readonly type: string;
}

export function defineNodeRun<P extends z.ZodObject, R extends NodeRun<z.infer<P>>>(def: NodeDefinition<P>, run: R): R & { readonly type: string } {
  return { ...run, type: def.type };
}
