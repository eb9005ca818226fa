/**
 * Restoration graphs from a method name: what `spgd restore` and `spgd eval` (and the benchmarks)
 * run, through the same compile / execute path as the editor. A method is a sampler's named
 * configuration (lib/samplers); the sampler node that runs it turns the configuration into its
 * params and parameter nodes (`toGraph` in its run file), so a new sampler needs nothing here.
 *
 *   ground truth:  image -> measure (Simulate, seeded) <- operator (Degrade)
 *   measurement:   y (Load measurement) [+ mask / kernel (Load mask / Load kernel) -> operator]
 *   then           prior, the sampler node with its parameter nodes, and Metrics (ground truth only);
 *                  a warm start (sigmaStart below the first noise level) starts from the
 *                  restoration of the method the recipe or the method names (`initMethod`,
 *                  `methodInit`: a Classical estimate or DDNM+ node on the same measurement),
 *                  wired to the sampler's initial-estimate input
 *
 * Seeds: one seed feeds the operator's draws, the measurement noise and the sampler's draws
 * (independent named streams), so changing the method never changes the measurement.
 */
import { GRAPH_FORMAT, SCHEMA_VERSION, type GraphDocument } from '../lib/graph/document';
import type { TaskName } from '../lib/operators/types';
import type { EpsModel } from '../lib/diffusion/types';
import type { NodeOutputs } from '../lib/plan/execute';
import type { CompileEnv } from '../lib/plan/node-run';
import { MemorySources } from '../lib/plan/memory-sources';
import { runGraph, type RunGraphOptions } from '../lib/plan/run-graph';
import type { Plan } from '../lib/plan/types';
import type { SamplerNodeRun } from '../lib/plan/sampler-node';
import { methodConfig, methodInit, samplerCost } from '../lib/samplers';
import type { SamplerSpec, StepTrace } from '../lib/samplers/types';
import type { Tensor } from '../lib/tensor';
import metrics from './analysis/metrics';
import degrade from './degradation/degrade';
import simulate from './degradation/simulate';
import loadImage from './input/load-image';
import loadKernel from './input/load-kernel';
import loadMask from './input/load-mask';
import loadMeasurement from './input/load-measurement';
import priorUnet from './prior/prior-unet';
import { getNodeDefinition } from './index';
import { NODE_RUNS, NODE_KIT } from './runs';

export interface RestorationRecipe {
  task: TaskName;
  /** A sampler's named configuration ('spgd', 'dps-ddim', 'classical', ...). */
  method: string;
  seed: number;
  /** Noise of the simulated (or the given) measurement, on the [-1, 1] scale. */
  sigmaY: number;
  /** The prior model: 'default' | 'gaussian' | 'sha256:<hex>'. */
  model: string;
  /** Sampler parameters over the method's defaults (validated strictly by the sampler's schema). */
  samplerParams?: Record<string, unknown>;
  /**
   * For a warm-started method: another method whose restoration (with its own defaults) is the
   * initial estimate, e.g. 'ddnm' or 'classical'. Absent: the method's own choice for the task
   * (`methodInit`: DDNM+ or the classical estimate).
   */
  initMethod?: string;
  /** Operator parameters (validated by the operator's schema). */
  operatorParams?: Record<string, unknown>;
  /** Either a clean image to degrade, resized and centre-cropped to `size` (0: as it is)... */
  groundTruth?: { source: string; size?: number };
  /** ...or a measurement to restore, with the user's mask or kernel when they have one. */
  measurement?: { source: string; mask?: string; kernel?: string };
}

/** Node ids of a recipe graph (the sampler's parameter nodes are named after the ports they feed). */
const RECIPE_IDS = { image: 'image', operator: 'operator', measurement: 'y', measure: 'measure', prior: 'prior', sampler: 'sampler', init: 'init', metrics: 'metrics' } as const;

function samplerNodeFor(samplerId: string): { type: string; run: SamplerNodeRun<Record<string, unknown>> } {
  for (const r of NODE_RUNS) {
    const run = r as unknown as Partial<SamplerNodeRun<Record<string, unknown>>>;
    if (run.samplerNode?.sampler.id === samplerId) return { type: r.type, run: run as SamplerNodeRun<Record<string, unknown>> };
  }
  throw new Error(`no node runs the '${samplerId}' sampler`);
}

/** A graph document's node and edge. */
const node = (type: string, params: Record<string, unknown> = {}) => ({ type, typeVersion: 1, params, mode: 'active' as const });
const wire = (from: string, fromPort: string, to: string, toPort: string) => ({ from: { node: from, port: fromPort }, to: { node: to, port: toPort } });

/**
 * Adds the node running `method` (id `at.id`) with its parameter nodes (ids `at.prefix` + port)
 * to a graph, wired to the measurement, operator and (when it needs one) prior nodes named in
 * `at`; the caller adds the prior node when `usesPrior`. Shared by the recipes and the presets.
 */
export function addSamplerNode(
  g: Pick<GraphDocument, 'nodes' | 'edges'>,
  at: { id: string; prefix: string; measurement: string; operator: string; prior: string },
  method: string,
  task: TaskName,
  sigmaY: number,
  seed: number,
  samplerParams?: Record<string, unknown>,
): { type: string; sampler: SamplerSpec; params: Record<string, unknown>; usesPrior: boolean } {
  const c = methodConfig(method, task, { sigmaY }, samplerParams);
  const { type, run } = samplerNodeFor(c.sampler.id);
  const sg = run.samplerNode.toGraph(c.params, seed);
  g.nodes[at.id] = node(type, sg.params);
  g.edges.push(wire(at.measurement, 'measurement', at.id, 'measurement'), wire(at.operator, 'operator', at.id, 'operator'));
  const usesPrior = c.sampler.needs(c.params) !== 'none';
  if (usesPrior) g.edges.push(wire(at.prior, 'prior', at.id, 'prior'));
  for (const [port, p] of Object.entries(sg.inputs)) {
    if (!p) continue;
    const def = getNodeDefinition(p.type);
    if (!def) throw new Error(`the '${c.sampler.id}' sampler node asks for a parameter node of unknown type '${p.type}'`);
    g.nodes[at.prefix + port] = node(p.type, p.params);
    g.edges.push(wire(at.prefix + port, def.outputs[0].name, at.id, port));
  }
  return { type, ...c, usesPrior };
}

export function restorationGraph(r: RestorationRecipe): GraphDocument {
  if (!r.groundTruth === !r.measurement) throw new Error('a restoration needs exactly one of groundTruth and measurement');
  const I = RECIPE_IDS;
  const nodes: GraphDocument['nodes'] = {
    [I.operator]: node(degrade.type, { task: r.task, seed: r.seed, options: r.operatorParams ?? {} }),
  };
  const edges: GraphDocument['edges'] = [];
  let measurementNode: string;
  if (r.groundTruth) {
    nodes[I.image] = node(loadImage.type, { source: r.groundTruth.source, size: r.groundTruth.size ?? 0 });
    nodes[I.measure] = node(simulate.type, { sigmaY: r.sigmaY, seed: r.seed });
    edges.push(wire(I.image, 'image', I.measure, 'image'), wire(I.operator, 'operator', I.measure, 'operator'));
    measurementNode = I.measure;
  } else {
    const m = r.measurement;
    if (!m) throw new Error('a restoration needs a groundTruth or a measurement');
    nodes[I.measurement] = node(loadMeasurement.type, { source: m.source, sigmaY: r.sigmaY });
    if (m.mask) {
      nodes.mask = node(loadMask.type, { source: m.mask });
      edges.push(wire('mask', 'mask', I.operator, 'mask'));
    }
    if (m.kernel) {
      nodes.kernel = node(loadKernel.type, { source: m.kernel });
      edges.push(wire('kernel', 'kernel', I.operator, 'kernel'));
    }
    measurementNode = I.measurement;
  }

  const at = { measurement: measurementNode, operator: I.operator, prior: I.prior };
  const g = { nodes, edges };
  const { type, sampler, params, usesPrior } = addSamplerNode(g, { ...at, id: I.sampler, prefix: '' }, r.method, r.task, r.sigmaY, r.seed, r.samplerParams);
  let priorNeeded = usesPrior;
  if (samplerCost(sampler, params).warmStart) {
    const initPort = getNodeDefinition(type)?.inputs.find((p) => p.type === 'Image')?.name;
    if (!initPort) throw new Error(`the '${sampler.id}' sampler node has no initial-estimate input for a warm start`);
    const initMethod = r.initMethod ?? methodInit(r.method, r.task);
    priorNeeded = addSamplerNode(g, { ...at, id: I.init, prefix: `${I.init}-` }, initMethod, r.task, r.sigmaY, r.seed).usesPrior || priorNeeded;
    edges.push(wire(I.init, 'image', I.sampler, initPort));
  } else if (r.initMethod) throw new Error(`'${r.method}' does not start warm: initMethod '${r.initMethod}' has nothing to start`);
  if (priorNeeded) nodes[I.prior] = node(priorUnet.type, { model: r.model });
  if (r.groundTruth) {
    nodes[I.metrics] = node(metrics.type);
    edges.push(wire(I.sampler, 'image', I.metrics, 'image'), wire(measurementNode, 'measurement', I.metrics, 'measurement'));
  }
  return { format: GRAPH_FORMAT, schemaVersion: SCHEMA_VERSION, name: `${r.method} - ${r.task}`, nodes, edges, ui: { positions: {}, groups: [] }, assets: {} };
}

/** The tensors a restoration starts from: a clean image to degrade, or a measurement (with the user's mask or kernel). */
export interface RestorationInputs {
  groundTruth?: Tensor;
  /** Resize and centre-crop the ground truth to size x size first (the Load image node's `size`). */
  size?: number;
  measurement?: Tensor;
  mask?: Tensor;
  kernel?: Tensor;
}

export interface RestorationOutcome {
  /** The restoration: the sample, or the mean of the sampler's K samples. */
  sample: Tensor;
  /** `[H, W]` per-pixel std over the K samples (absent for methods without random draws). */
  uncertainty?: Tensor;
  /** Quality of each chain's own sample (chain 0 first; one entry for a single run). */
  chains: { psnr?: number; ssim?: number }[];
  /** y, as simulated or given. */
  measurement: Tensor;
  psnr?: number;
  ssim?: number;
  residual: number | null;
  /** Of the sampler and, for a warm start, of the method that gave its initial estimate. */
  nfe: { forward: number; vjp: number };
  /** The sampler's own time, plus its initial estimate's for a warm start. */
  seconds: number;
  trace: StepTrace[];
  /** The compiled plan, and each node's real seconds (the estimate learns from them). */
  plan: Plan;
  nodeSeconds: Record<string, number>;
  cached: string[];
}

/**
 * Restores one image with a method, through a recipe graph: the inputs are held in memory and
 * named by content; `prior.load` opens the model the graph names, `prior.inspect` describes it
 * to the compiler (FLOPs for the estimate, ops it cannot differentiate).
 */
export async function restoreImage(
  recipe: Omit<RestorationRecipe, 'groundTruth' | 'measurement'>,
  inputs: RestorationInputs,
  prior: { load(model: string): Promise<EpsModel>; inspect?: CompileEnv['inspectPrior'] },
  options: RunGraphOptions = {},
  /** The estimate's speeds (CompileEnv `throughput`, `isWarm`). */
  speed: Pick<CompileEnv, 'throughput' | 'isWarm'> = {},
): Promise<RestorationOutcome> {
  const sources = new MemorySources();
  const doc = restorationGraph({
    ...recipe,
    ...(inputs.groundTruth ? { groundTruth: { source: sources.add(inputs.groundTruth), size: inputs.size ?? 0 } } : {}),
    ...(inputs.measurement
      ? {
          measurement: {
            source: sources.add(inputs.measurement),
            ...(inputs.mask ? { mask: sources.add(inputs.mask) } : {}),
            ...(inputs.kernel ? { kernel: sources.add(inputs.kernel) } : {}),
          },
        }
      : {}),
  });
  const env: CompileEnv = { ...speed, describeImage: sources.describe, ...(prior.inspect ? { inspectPrior: prior.inspect } : {}) };
  const r = await runGraph(doc, NODE_KIT, env, { ...sources.adapters(), loadPrior: (m) => prior.load(m) }, options);
  const I = RECIPE_IDS;
  // Ports a node left out are absent from its outputs.
  const out: Partial<NodeOutputs> | undefined = r.outputs.get(I.sampler);
  const measured: Partial<NodeOutputs> | undefined = r.outputs.get(inputs.groundTruth ? I.measure : I.measurement);
  const image = out?.image;
  const tr = out?.trace;
  const spread = out?.uncertainty;
  const y = measured?.measurement;
  if (image?.kind !== 'Image' || tr?.kind !== 'Trace') throw new Error('the sampler node gave no image and trace');
  if (y?.kind !== 'Measurement') throw new Error('the measurement node gave no measurement');
  // A warm start's initial restoration is part of the method's cost (DDNM+: 100 forwards).
  const initTrace = r.outputs.get(I.init)?.trace;
  const init = initTrace?.kind === 'Trace' ? initTrace : { nfe: { forward: 0, vjp: 0 }, seconds: 0 };
  return {
    sample: image.tensor,
    ...(spread?.kind === 'Uncertainty' ? { uncertainty: spread.tensor } : {}),
    chains: tr.chainMetrics.map((c) => (c.psnr === undefined ? {} : { psnr: c.psnr, ssim: c.ssim })),
    measurement: y.y,
    ...(tr.metrics.psnr === undefined ? {} : { psnr: tr.metrics.psnr, ssim: tr.metrics.ssim }),
    residual: tr.metrics.residual,
    nfe: { forward: tr.nfe.forward + init.nfe.forward, vjp: tr.nfe.vjp + init.nfe.vjp },
    seconds: tr.seconds + init.seconds,
    trace: tr.trace,
    plan: r.plan,
    nodeSeconds: r.nodeSeconds,
    cached: r.cached,
  };
}
