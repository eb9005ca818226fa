/**
 * Sampler registry: resolves a method name (the CLI's --method, a graph's sampler node) plus a
 * task's defaults and user overrides into a ready sampler. Overrides are validated strictly,
 * so a misspelt key is an error rather than silently ignored.
 */
import { z } from 'zod';
import type { Denoiser, EpsModel } from '../diffusion/types';
import { SpgdError } from '../errors';
import type { TaskName } from '../operators/types';
import { classicalParams, createClassical } from './classical';
import { TASK_DEFAULTS } from './defaults';
import { createDiffPir, diffPirParams } from './diffpir';
import { createDps, dpsParams } from './dps';
import { createSpgd, spgdParams } from './spgd';
import type { Sampler } from './types';

export const METHODS = ['spgd', 'dps', 'dps-ddim', 'ddim', 'diffpir', 'classical'] as const;
export type Method = (typeof METHODS)[number];

export interface PriorHandles {
  eps: EpsModel;
  denoiser: Denoiser;
}

/** The parameters a method starts from for a task, before user overrides. */
export function methodDefaults(method: Method, task: TaskName, sigmaY: number): Record<string, unknown> {
  const d = TASK_DEFAULTS[task];
  switch (method) {
    case 'spgd':
      return { steps: 100, warmup: 5, eta: d.spgdEta, admApplied: true };
    case 'dps-ddim':
      // DPS at SPGD's budget: the SPGD sampler with N = 1 and no ADM, T = 500 (500 NFE).
      return { steps: 500, warmup: 1, eta: d.dpsDdimEta, admApplied: false, beta: 0 };
    case 'ddim':
      return { steps: 100, warmup: 0 };
    case 'dps':
      return { steps: 1000, zeta: d.dpsZeta };
    case 'diffpir':
      return { steps: 100, lambda: d.diffPirLambda, zeta: d.diffPirZeta, sigmaY };
    case 'classical':
      return {};
  }
}

function parseStrict<T extends z.ZodObject>(schema: T, method: string, params: Record<string, unknown>): z.infer<T> {
  const result = schema.strict().safeParse(params);
  if (!result.success) {
    const issue = result.error.issues[0];
    const known = Object.keys(schema.shape).join(', ');
    const what =
      issue.code === 'unrecognized_keys'
        ? `unknown parameter ${issue.keys.map((k) => `'${k}'`).join(', ')}`
        : `bad '${issue.path.join('.')}': ${issue.message}`;
    throw new SpgdError('BAD_INPUT', `${method} sampler: ${what} (parameters: ${known})`);
  }
  return result.data as z.infer<T>;
}

export function createSampler(
  method: Method,
  task: TaskName,
  prior: PriorHandles,
  overrides: Record<string, unknown> = {},
  sigmaY = 0.05,
): Sampler<unknown> {
  const params = { ...methodDefaults(method, task, sigmaY), ...overrides };
  switch (method) {
    case 'spgd':
    case 'dps-ddim':
    case 'ddim':
      return createSpgd(prior.denoiser, parseStrict(spgdParams, method, params)) as Sampler<unknown>;
    case 'dps':
      return createDps(prior.eps, parseStrict(dpsParams, method, params)) as Sampler<unknown>;
    case 'diffpir':
      return createDiffPir(prior.denoiser, parseStrict(diffPirParams, method, params)) as Sampler<unknown>;
    case 'classical':
      return createClassical(parseStrict(classicalParams, method, params)) as Sampler<unknown>;
  }
}

export function isMethod(name: string): name is Method {
  return (METHODS as readonly string[]).includes(name);
}

export { runSampler } from './run';
export type { SampleResult, Progress, RunOptions } from './run';
export type { Sampler, SamplerContext, StepTrace, StepSnapshot, Nfe } from './types';
