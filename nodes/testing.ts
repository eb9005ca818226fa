/**
 * Small graph documents for tests (plan, server): the SPGD chain of the built-in presets with
 * every size and count turned down, plus the other samplers' variants.
 */
import { GRAPH_FORMAT, SCHEMA_VERSION, type GraphDocument } from '../lib/graph/document';
import adm from './sampler/adm';
import classical from './sampler/classical';
import daps from './sampler/daps';
import ddnm from './sampler/ddnm';
import degrade from './degradation/degrade';
import diffpir from './sampler/diffpir';
import dps from './sampler/dps';
import loadImage from './input/load-image';
import metrics from './analysis/metrics';
import priorUnet from './prior/prior-unet';
import schedule from './sampler/schedule';
import simulate from './degradation/simulate';
import spgd from './sampler/spgd';
import warmup from './sampler/warmup';

export interface TestGraphOptions {
  task?: string;
  size?: number;
  steps?: number;
  warmup?: number | null;
  eta?: number;
  model?: string;
  sampler?: 'spgd' | 'dps' | 'diffpir' | 'ddnm' | 'daps';
  /** Sampler node params over the defaults (e.g. samples, sigmaStart). */
  samplerParams?: Record<string, unknown>;
  /** Wire a Classical estimate into the sampler's initial-estimate input (for a warm start). */
  classicalInit?: boolean;
  samplerSeed?: number;
  sigmaY?: number;
  source?: string;
}

const edge = (fn: string, fp: string, tn: string, tp: string) => ({ from: { node: fn, port: fp }, to: { node: tn, port: tp } });

export function testGraph(o: TestGraphOptions = {}): GraphDocument {
  const n = (type: string, params: Record<string, unknown> = {}) => ({ type, typeVersion: 1, params, mode: 'active' as const });
  const sampler = o.sampler ?? 'spgd';
  const steps = o.steps ?? 4;
  const nodes: GraphDocument['nodes'] = {
    img: n(loadImage.type, { source: o.source ?? 'sample:default', size: o.size ?? 16 }),
    op: n(degrade.type, { task: o.task ?? 'inpaint-random', seed: 0, options: {} }),
    sim: n(simulate.type, { sigmaY: o.sigmaY ?? 0.05, seed: 0 }),
    prior: n(priorUnet.type, { model: o.model ?? 'gaussian' }),
    metrics: n(metrics.type),
  };
  const edges = [
    edge('img', 'image', 'sim', 'image'),
    edge('op', 'operator', 'sim', 'operator'),
    edge('prior', 'prior', 's', 'prior'),
    edge('sim', 'measurement', 's', 'measurement'),
    edge('op', 'operator', 's', 'operator'),
    edge('s', 'image', 'metrics', 'image'),
    edge('sim', 'measurement', 'metrics', 'measurement'),
  ];
  if (sampler === 'dps') {
    nodes.s = n(dps.type, { steps: Math.max(2, steps), zeta: 0.3, seed: o.samplerSeed ?? 0 });
  } else {
    nodes.sched = n(schedule.type, { steps });
    edges.push(edge('sched', 'schedule', 's', 'schedule'));
    if (sampler === 'diffpir') nodes.s = n(diffpir.type, { seed: o.samplerSeed ?? 0 });
    else if (sampler === 'ddnm') nodes.s = n(ddnm.type, { seed: o.samplerSeed ?? 0 });
    else if (sampler === 'daps') nodes.s = n(daps.type, { seed: o.samplerSeed ?? 0, langevinSteps: 3 });
    else {
      nodes.s = n(spgd.type, { seed: o.samplerSeed ?? 0 });
      if (o.warmup !== null) {
        nodes.warm = n(warmup.type, { steps: o.warmup ?? 2, eta: o.eta ?? 1 });
        nodes.adm = n(adm.type, { beta: 0.9, applied: true });
        edges.push(edge('warm', 'warmup', 's', 'warmup'), edge('adm', 'momentum', 's', 'momentum'));
      }
    }
  }
  nodes.s.params = { ...nodes.s.params, ...o.samplerParams };
  if (o.classicalInit) {
    nodes.init = n(classical.type, { sweeps: 20 });
    edges.push(edge('sim', 'measurement', 'init', 'measurement'), edge('op', 'operator', 'init', 'operator'), edge('init', 'image', 's', 'init'));
  }
  return { format: GRAPH_FORMAT, schemaVersion: SCHEMA_VERSION, nodes, edges, ui: { positions: {}, groups: [] }, assets: {} };
}
