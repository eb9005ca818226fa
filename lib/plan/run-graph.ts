/**
 * One call from a graph document to its result: compile (a GraphInvalidError with the per-node
 * issues when it does not), then execute. The CLI's restore / eval / run, the benchmarks and the
 * tests go through here, the server's queue and the browser worker through the same two steps.
 */
import { GraphInvalidError } from '../errors';
import { compileGraph } from './compile';
import { executePlan, type ExecuteOptions, type ExecuteResult } from './execute';
import type { CompileEnv, ExecuteAdapters, NodeKit } from './node-run';
import type { Plan } from './types';

export interface RunGraphOptions extends ExecuteOptions {
  /** Called with the compiled plan before it runs (e.g. to estimate it). */
  onPlan?: (plan: Plan) => void | Promise<void>;
}

export async function runGraph(
  document: unknown,
  kit: NodeKit,
  env: CompileEnv,
  adapters: ExecuteAdapters,
  options: RunGraphOptions = {},
): Promise<ExecuteResult & { plan: Plan }> {
  const compiled = await compileGraph(document, kit, env);
  if (!compiled.ok) throw new GraphInvalidError(compiled.issues);
  await options.onPlan?.(compiled.plan);
  const result = await executePlan(compiled.plan, kit, adapters, options);
  return { ...result, plan: compiled.plan };
}
