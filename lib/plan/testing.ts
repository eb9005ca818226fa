/**
 * Small graph documents for tests (plan, server): the SPGD chain of the built-in presets with
 * every size and count turned down, plus a DPS variant.
 */
import { GRAPH_FORMAT, type GraphDocument } from '../graph/document';

export interface TestGraphOptions {
  task?: string;
  size?: number;
  steps?: number;
  warmup?: number | null;
  eta?: number;
  model?: string;
  sampler?: 'spgd' | 'dps' | 'diffpir';
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
    img: n('spgd:input/load-image', { source: o.source ?? 'sample:default', size: o.size ?? 16 }),
    op: n('spgd:degradation/degrade', { task: o.task ?? 'inpaint-random', seed: 0, options: {} }),
    sim: n('spgd:degradation/simulate', { sigmaY: o.sigmaY ?? 0.05, seed: 0 }),
    prior: n('spgd:prior/prior-unet', { model: o.model ?? 'gaussian' }),
    metrics: n('spgd:analysis/metrics'),
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
    nodes.s = n('spgd:sampler/dps', { steps: Math.max(2, steps), zeta: 0.3, seed: o.samplerSeed ?? 0 });
  } else {
    nodes.sched = n('spgd:sampler/schedule', { steps });
    edges.push(edge('sched', 'schedule', 's', 'schedule'));
    if (sampler === 'diffpir') nodes.s = n('spgd:sampler/diffpir', { seed: o.samplerSeed ?? 0 });
    else {
      nodes.s = n('spgd:sampler/spgd', { seed: o.samplerSeed ?? 0 });
      if (o.warmup !== null) {
        nodes.warm = n('spgd:sampler/warmup', { steps: o.warmup ?? 2, eta: o.eta ?? 1 });
        nodes.adm = n('spgd:sampler/adm', { beta: 0.9, applied: true });
        edges.push(edge('warm', 'warmup', 's', 'warmup'), edge('adm', 'momentum', 's', 'momentum'));
      }
    }
  }
  return { format: GRAPH_FORMAT, schemaVersion: 1, nodes, edges, ui: { positions: {}, groups: [] }, assets: {} };
}
