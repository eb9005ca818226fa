/**
 * Run code of the parameter nodes (Noise schedule, Warm-up N, ADM beta): their output is their
 * params, which the sampler node reads (at compile time from the same params, as port facts).
 */
import type { NodeRun } from '../../lib/plan/node-run';

export function bundleRun(port: string, kind: 'Schedule' | 'Warmup' | 'Momentum'): NodeRun {
  return { run: ({ params }) => ({ [port]: { kind, bundle: { ...params } } }) };
}
