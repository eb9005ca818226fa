import type { ParameterNode } from '../../lib/plan/sampler-node';
import { defineNodeRun } from '../run';
import { bundleRun } from './bundle-run';
import schedule from './schedule';

export default defineNodeRun(schedule, bundleRun('schedule', 'Schedule'));

/** The Noise schedule node holding a sampler configuration's grid (for a sampler node's `toGraph`). */
export function scheduleNode(c: Record<string, unknown>): ParameterNode {
  return { type: schedule.type, params: { steps: c.steps, sigmaMax: c.sigmaMax, sigmaMin: c.sigmaMin, rho: c.rho } };
}
