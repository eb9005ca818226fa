/**
 * The sampler registry: one line per sampler file. Everything else derives from it: the CLI's
 * `--method` names (each sampler's named configurations), the strict validation of user
 * overrides (a misspelt key is an error, not silently ignored), the graph planner's factory.
 *
 * @example
 * const { sampler, params } = methodConfig('dps-ddim', 'sr-x4', { sigmaY: 0.05 }, { eta: 1 });
 * const s = sampler.create(prior, params); // the SPGD sampler with N = 1, T = 500, eta 1
 */
import { SpgdError } from '../errors';
import type { TaskName } from '../operators/types';
import { classicalSampler } from './classical';
import { dapsSampler } from './daps';
import { ddnmSampler } from './ddnm';
import { diffPirSampler } from './diffpir';
import { dpsSampler } from './dps';
import { chainsOf } from './ensemble';
import { spgdSampler } from './spgd';
import type { MethodSpec, Nfe, PriorHandles, Sampler, SamplerSpec } from './types';

const SAMPLERS: readonly SamplerSpec[] = [spgdSampler, dpsSampler, diffPirSampler, ddnmSampler, dapsSampler, classicalSampler];

const BY_ID = new Map(SAMPLERS.map((s) => [s.id, s]));

/** Named configurations across all samplers: method name -> its sampler and defaults. */
const BY_METHOD = new Map<string, { sampler: SamplerSpec; method: MethodSpec<Record<string, unknown>> }>(
  SAMPLERS.flatMap((sampler) => Object.entries(sampler.methods).map(([name, method]) => [name, { sampler, method }] as const)),
);

/** Every `--method` name, in registry order. */
export const METHODS: readonly string[] = [...BY_METHOD.keys()];
export type Method = string;

export function isMethod(name: string): boolean {
  return BY_METHOD.has(name);
}

export function getSampler(id: string): SamplerSpec {
  const s = BY_ID.get(id);
  if (!s) throw new SpgdError('BAD_INPUT', `unknown sampler '${id}' (samplers: ${[...BY_ID.keys()].join(', ')})`);
  return s;
}

function methodEntry(method: string) {
  const m = BY_METHOD.get(method);
  if (!m) throw new SpgdError('BAD_INPUT', `unknown method '${method}' (methods: ${METHODS.join(', ')})`);
  return m;
}

/** The sampler whose named configurations include `method`. */
export function samplerOfMethod(method: string): SamplerSpec {
  return methodEntry(method).sampler;
}

/**
 * Validates a sampler's full parameter set strictly; BAD_INPUT naming the key otherwise.
 * `label` names what is being configured in the message (a method or a node).
 */
export function parseSamplerParams(spec: SamplerSpec, params: Record<string, unknown>, label: string = spec.id): Record<string, unknown> {
  const result = spec.params.strict().safeParse(params);
  if (!result.success) {
    const issue = result.error.issues[0];
    const known = Object.keys(spec.params.shape).join(', ');
    const what =
      issue.code === 'unrecognized_keys'
        ? `unknown parameter ${issue.keys.map((k) => `'${k}'`).join(', ')}`
        : `bad '${issue.path.join('.')}': ${issue.message}`;
    throw new SpgdError('BAD_INPUT', `${label} sampler: ${what} (parameters: ${known})`);
  }
  return result.data;
}

/** A method's sampler and its full parameters for a task: schema defaults, then the method's, then `overrides`. */
export function methodConfig(
  method: string,
  task: TaskName,
  measurement: { sigmaY: number },
  overrides: Record<string, unknown> = {},
): { sampler: SamplerSpec; params: Record<string, unknown> } {
  const m = methodEntry(method);
  const params = parseSamplerParams(m.sampler, { ...m.method.defaults(task, measurement), ...overrides }, method);
  return { sampler: m.sampler, params };
}

/** The method whose restoration starts a warm-started method on this task: its own choice, else the classical estimate. */
export function methodInit(method: string, task: TaskName): string {
  return methodEntry(method).method.init?.(task) ?? 'classical';
}

export function createSampler(
  method: string,
  task: TaskName,
  prior: PriorHandles | null,
  overrides: Record<string, unknown> = {},
  sigmaY = 0.05,
): Sampler<unknown> {
  const { sampler, params } = methodConfig(method, task, { sigmaY }, overrides);
  return sampler.create(prior, params);
}

/** Whether a method, with these overrides, starts warm on a task (needs an initial estimate). */
export function methodStartsWarm(method: string, task: TaskName, measurement: { sigmaY: number }, overrides: Record<string, unknown> = {}): boolean {
  const { sampler, params } = methodConfig(method, task, measurement, overrides);
  return samplerCost(sampler, params).warmStart;
}

const NO_NETWORK: PriorHandles['eps'] & PriorHandles['denoiser'] = {
  name: 'none',
  outChannels: 3,
  integerTimesteps: false,
  eps: () => Promise.reject(new Error('no network')),
  epsPullback: () => Promise.reject(new Error('no network')),
  denoise: () => Promise.reject(new Error('no network')),
  denoiseWithGrad: () => Promise.reject(new Error('no network')),
};

/**
 * What a full run of this configuration costs (from the sampler itself): outer steps and network
 * evaluations of all its chains (`samples`), and whether it starts warm (needs an initial estimate).
 */
export function samplerCost(spec: SamplerSpec, params: Record<string, unknown>): { steps: number; nfe: Nfe; chains: number; warmStart: boolean } {
  const s = spec.create({ eps: NO_NETWORK, denoiser: NO_NETWORK }, params);
  const chains = chainsOf(params);
  return { steps: s.steps * chains, nfe: { forward: s.nfe.forward * chains, vjp: s.nfe.vjp * chains }, chains, warmStart: s.warmStart };
}

export { runSampler } from './run';
export { runEnsemble, chainsOf, chainRng } from './ensemble';
export type { EnsembleResult } from './ensemble';
export type { SampleResult, Progress, RunOptions } from './run';
export type { Sampler, SamplerContext, SamplerSpec, StepTrace, StepSnapshot, Nfe, PriorHandles } from './types';
