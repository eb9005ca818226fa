/**
 * What flows along the wires, and how a sampler node's inputs become a lib/samplers
 * configuration. Shared by the compiler (to validate and count NFE) and the executor (to run).
 *
 * Node types are referred to by their stable names (nodes/ depends on lib/, not the reverse).
 *
 * SPGD sampler node ('DDIM step') -> lib/samplers 'spgd':
 *   steps, sigmaMax, sigmaMin, rho  from the Schedule input;
 *   warmup (N), eta, lrMinRatio     from the Warm-up input (absent: N = 0, plain DDIM);
 *   beta, admApplied                from the ADM input (absent: beta = 0, applied = false,
 *                                   i.e. the raw gradient is stepped);
 *   denoiseFrom                     from its own params (its seed feeds Rng(seed, 'sampler')).
 * DPS node -> 'dps': zeta, steps from its params.
 * DiffPIR node -> 'diffpir': steps/sigmas from the Schedule, lambda, zeta from its params,
 *   sigmaY from the measurement.
 */
import type { Denoiser, EpsModel } from '../diffusion/types';
import { createDiffPir, diffPirParams } from '../samplers/diffpir';
import { createDps, dpsParams } from '../samplers/dps';
import { createSpgd, spgdParams } from '../samplers/spgd';
import type { Nfe, Sampler } from '../samplers/types';
import type { z } from 'zod';

export const NODE_TYPE = {
  loadImage: 'spgd:input/load-image',
  degrade: 'spgd:degradation/degrade',
  simulate: 'spgd:degradation/simulate',
  prior: 'spgd:prior/prior-unet',
  schedule: 'spgd:sampler/schedule',
  warmup: 'spgd:sampler/warmup',
  adm: 'spgd:sampler/adm',
  spgd: 'spgd:sampler/spgd',
  dps: 'spgd:sampler/dps',
  diffpir: 'spgd:sampler/diffpir',
  metrics: 'spgd:analysis/metrics',
  angles: 'spgd:analysis/angles',
  saveImage: 'spgd:output/save-image',
} as const;

export const SAMPLER_TYPES: readonly string[] = [NODE_TYPE.spgd, NODE_TYPE.dps, NODE_TYPE.diffpir];

export function isSamplerType(type: string): boolean {
  return SAMPLER_TYPES.includes(type);
}

/** Parameter bundles carried by Schedule / Warm-up / Momentum wires (the nodes' params). */
export interface ScheduleBundle {
  steps: number;
  sigmaMax: number;
  sigmaMin: number;
  rho: number;
}
export interface WarmupBundle {
  steps: number;
  eta: number;
  lrMinRatio: number;
}
export interface MomentumBundle {
  beta: number;
  applied: boolean;
}

export type SamplerMethod = 'spgd' | 'dps' | 'diffpir';

/** A sampler node resolved to a lib/samplers method and its full (validated) parameters. */
export interface SamplerConfig {
  method: SamplerMethod;
  params: Record<string, unknown>;
  seed: number;
}

export interface SamplerInputs {
  schedule?: ScheduleBundle;
  warmup?: WarmupBundle;
  momentum?: MomentumBundle;
  /** Measurement noise of the measurement wired in (DiffPIR uses it). */
  sigmaY?: number;
}

function strict<T extends z.ZodObject>(schema: T, what: string, params: Record<string, unknown>): Record<string, unknown> {
  const r = schema.strict().safeParse(params);
  if (!r.success) {
    throw new Error(`${what}: ${r.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}`);
  }
  return r.data as Record<string, unknown>;
}

/**
 * The sampler configuration for a sampler node's params and input bundles.
 * @throws Error with a user-facing message when the combination is invalid.
 */
export function samplerConfig(type: string, nodeParams: Record<string, any>, inputs: SamplerInputs): SamplerConfig {
  const seed = Number(nodeParams.seed ?? 0);
  switch (type) {
    case NODE_TYPE.spgd: {
      const s = inputs.schedule;
      if (!s) throw new Error('the SPGD sampler needs a Schedule');
      const w = inputs.warmup;
      const m = inputs.momentum;
      const params: Record<string, unknown> = {
        steps: s.steps,
        sigmaMax: s.sigmaMax,
        sigmaMin: s.sigmaMin,
        rho: s.rho,
        warmup: w ? w.steps : 0,
        ...(w ? { eta: w.eta, lrMinRatio: w.lrMinRatio } : {}),
        beta: m ? m.beta : 0,
        admApplied: m ? m.applied : false,
        denoiseFrom: nodeParams.denoiseFrom ?? 'reuse',
      };
      return { method: 'spgd', params: strict(spgdParams, 'SPGD sampler', params), seed };
    }
    case NODE_TYPE.dps:
      return { method: 'dps', params: strict(dpsParams, 'DPS sampler', { zeta: nodeParams.zeta, steps: nodeParams.steps }), seed };
    case NODE_TYPE.diffpir: {
      const s = inputs.schedule;
      if (!s) throw new Error('the DiffPIR sampler needs a Schedule');
      const params = {
        steps: s.steps,
        sigmaMax: s.sigmaMax,
        sigmaMin: s.sigmaMin,
        rho: s.rho,
        lambda: nodeParams.lambda,
        zeta: nodeParams.zeta,
        sigmaY: inputs.sigmaY ?? 0.05,
      };
      return { method: 'diffpir', params: strict(diffPirParams, 'DiffPIR sampler', params), seed };
    }
    default:
      throw new Error(`'${type}' is not a sampler`);
  }
}

/** Builds the lib/samplers sampler for a configuration. */
export function buildSampler(config: SamplerConfig, prior: { eps: EpsModel; denoiser: Denoiser }): Sampler<unknown> {
  switch (config.method) {
    case 'spgd':
      return createSpgd(prior.denoiser, config.params) as Sampler<unknown>;
    case 'dps':
      return createDps(prior.eps, config.params) as Sampler<unknown>;
    case 'diffpir':
      return createDiffPir(prior.denoiser, config.params) as Sampler<unknown>;
  }
}

const NO_NETWORK: EpsModel & Denoiser = {
  name: 'none',
  outChannels: 3,
  integerTimesteps: false,
  eps: () => Promise.reject(new Error('no network')),
  epsPullback: () => Promise.reject(new Error('no network')),
  denoise: () => Promise.reject(new Error('no network')),
  denoiseWithGrad: () => Promise.reject(new Error('no network')),
};

/** Network evaluations a full run of this configuration makes (from the sampler itself). */
export function samplerNfe(config: SamplerConfig): Nfe & { steps: number } {
  const s = buildSampler(config, { eps: NO_NETWORK, denoiser: NO_NETWORK });
  return { ...s.nfe, steps: s.steps };
}
