/**
 * Run code shared by every sampler node (a node with a Measurement and an Operator input and an
 * Image and a Trace output; its ports are found by type; optionally an Image input, the initial
 * estimate of a warm start, and an Uncertainty output):
 *
 * - plan: the sampler's full parameter set from the node's params and the facts of its inputs
 *   (parameter bundles, the measurement's sigma_y), validated by the sampler's own schema, with
 *   its steps and NFE (all chains) at the size it restores; a warm start without an initial
 *   estimate is an error at the node;
 * - run: K chains of the sampler loop (lib/samplers/ensemble.ts; chain k draws from
 *   Rng(seed, 'sampler') or its chain-k stream) with the first chain's trace, snapshot and
 *   preview events, progress over all chains, the mean as the image and the per-pixel std as the
 *   uncertainty map, and the final metrics of the mean and of each chain.
 *
 * A sampler node's run file is then its mapping between node and sampler parameters, in both
 * directions (`toGraph` builds the node and its parameter nodes from a sampler configuration,
 * which is how the CLI turns `--method` into a graph). The parameters every sampler shares
 * (`samples`, `sigmaStart`) map by name here, for every node that declares them.
 */
import type { z } from 'zod';
import type { PortFacts, PortSpec, PortType } from '../graph/ports';
import type { NodeTypeInfo } from '../graph/validate';
import { getSampler, parseSamplerParams, runEnsemble, samplerCost } from '../samplers';
import { chainsOf } from '../samplers/ensemble';
import type { PriorHandles, SamplerSpec, StepSnapshot } from '../samplers/types';
import { SpgdError } from '../errors';
import type { NodeRun } from './node-run';
import { captureSteps, publishSnapshot, traceJson } from './publish';
import { finalMetrics, resolveMeasurement, type NodeOutputs } from './values';

/** Sampler parameters that every sampler node declaring them maps by name (node param = sampler param). */
export const SHARED_SAMPLER_PARAMS = ['samples', 'sigmaStart'] as const;

const DEFAULT_SIZE = 64;

/** A node to create and wire into one input when building a graph from a sampler configuration. */
export interface ParameterNode {
  type: string;
  params: Record<string, unknown>;
}

export interface SamplerNodeSpec<P> {
  sampler: SamplerSpec;
  /** The sampler's parameters from the node's params and its inputs' facts (parameter bundles, the measurement). */
  config(params: P, inputs: Record<string, PortFacts | undefined>): Record<string, unknown>;
  /** The inverse: node params and the parameter nodes to wire per input port (absent: leave it unwired). */
  toGraph(config: Record<string, unknown>, seed: number): { params: Record<string, unknown>; inputs: Record<string, ParameterNode | undefined> };
}

export type SamplerNodeRun<P> = NodeRun<P> & { readonly samplerNode: SamplerNodeSpec<P> };

function portOf(ports: readonly PortSpec[], type: PortType): string | undefined {
  return ports.find((p) => p.type === type)?.name;
}

function requiredPort(def: Pick<NodeTypeInfo, 'type'>, ports: readonly PortSpec[], type: PortType): string {
  const name = portOf(ports, type);
  if (!name) throw new Error(`${def.type}: a sampler node needs a ${type} port`);
  return name;
}

/** The shared parameters both the node and the sampler declare, with the values `from` holds. */
function sharedParams(nodeKeys: readonly string[], sampler: SamplerSpec, from: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of SHARED_SAMPLER_PARAMS) if (nodeKeys.includes(k) && k in sampler.params.shape && k in from) out[k] = from[k];
  return out;
}

export function samplerNodeRun<S extends z.ZodObject>(def: NodeTypeInfo<S>, spec: SamplerNodeSpec<z.infer<S>>): SamplerNodeRun<z.infer<S>> {
  const priorPort = portOf(def.inputs, 'Prior');
  const measurementPort = requiredPort(def, def.inputs, 'Measurement');
  const operatorPort = requiredPort(def, def.inputs, 'Operator');
  const initPort = portOf(def.inputs, 'Image');
  const imagePort = requiredPort(def, def.outputs, 'Image');
  const tracePort = requiredPort(def, def.outputs, 'Trace');
  const uncertaintyPort = portOf(def.outputs, 'Uncertainty');
  const nodeKeys = Object.keys(def.params.shape);

  return {
    samplerNode: {
      ...spec,
      toGraph(config, seed) {
        const g = spec.toGraph(config, seed);
        return { ...g, params: { ...g.params, ...sharedParams(nodeKeys, spec.sampler, config) } };
      },
    },

    plan({ params, inputs, outputs }) {
      let config: Record<string, unknown>;
      let cost: ReturnType<typeof samplerCost>;
      try {
        const own = spec.config(params, inputs);
        config = parseSamplerParams(spec.sampler, { ...own, ...sharedParams(nodeKeys, spec.sampler, params) }, def.title);
        cost = samplerCost(spec.sampler, config);
      } catch (e) {
        return { errors: [(e as Error).message] };
      }
      const size = outputs[imagePort] ?? {};
      const init = initPort ? inputs[initPort] : undefined;
      if (cost.warmStart && !init) {
        return { errors: [`sigmaStart ${String(config.sigmaStart)} starts warm: wire an initial estimate (e.g. a Classical estimate) to '${initPort ?? 'init'}'`] };
      }
      if (init?.height && size.height && (init.height !== size.height || init.width !== size.width)) {
        return { errors: [`the initial estimate is ${String(init.width)}x${String(init.height)}, the restored image ${String(size.width)}x${String(size.height)}`] };
      }
      const task = inputs[operatorPort]?.task;
      // Operator work per outer step; cost.steps counts the steps of all K chains.
      const proxPerStep = spec.sampler.cost?.proxPerStep ?? 0;
      const pinvPerStep = spec.sampler.cost?.pinvPerStep ?? 0;
      const applyPerStep = spec.sampler.cost?.applyPerStep?.(config) ?? 0;
      const noisePerStep = spec.sampler.cost?.noisePerStep?.(config) ?? 0;
      return {
        sampler: {
          method: spec.sampler.id,
          params: config,
          seed: (params as { seed?: number }).seed ?? 0,
          steps: cost.steps,
          nfe: cost.nfe,
          height: size.height ?? DEFAULT_SIZE,
          width: size.width ?? DEFAULT_SIZE,
          guidance: spec.sampler.cost?.guidance ?? 'fused',
          ...(proxPerStep ? { proxSteps: proxPerStep * cost.steps } : {}),
          ...(pinvPerStep ? { pinvSteps: pinvPerStep * cost.steps } : {}),
          ...(applyPerStep ? { applySteps: applyPerStep * cost.steps } : {}),
          ...(noisePerStep ? { noiseDraws: noisePerStep * cost.steps } : {}),
          ...(task === undefined ? {} : { task }),
          ...(priorPort && spec.sampler.needs(config) !== 'none' ? { priorPort } : {}),
        },
      };
    },

    async run(ctx) {
      const cfg = ctx.step.sampler;
      if (!cfg) throw new SpgdError('BAD_INPUT', `sampler step '${ctx.node}' was compiled without its configuration`);
      const prior = priorPort ? ctx.optionalInput(priorPort, 'Prior') : undefined;
      const m = ctx.input(measurementPort, 'Measurement');
      const resolved = resolveMeasurement(m, ctx.input(operatorPort, 'Operator'));
      const { operator, y } = resolved;
      const init = initPort ? ctx.optionalInput(initPort, 'Image')?.tensor : undefined;
      const spec = getSampler(cfg.method);
      const create = (chainPrior: PriorHandles | null) => spec.create(chainPrior, cfg.params);
      const chains = chainsOf(cfg.params);
      const captured = captureSteps(create(prior ?? null).steps, ctx.captures);
      let lastProgress = -Infinity;
      const pending: Promise<void>[] = [];
      const result = await runEnsemble(
        create,
        prior ?? null,
        {
          operator,
          measurement: y,
          groundTruth: m.groundTruth,
          signal: ctx.signal,
          captureAt: (i) => captured.has(i),
          ...(init ? { init } : {}),
        },
        cfg.seed,
        chains,
        {
          onStep: (trace, snapshot?: StepSnapshot) => {
            ctx.emit({ type: 'trace', node: ctx.node, step: trace.step, trace: traceJson(trace) });
            if (snapshot) pending.push(publishSnapshot(ctx.node, snapshot, ctx.publish, ctx.emit));
          },
          onProgress: (pr) => {
            const t = ctx.now();
            if (t - lastProgress >= ctx.progressIntervalMs || pr.step === pr.steps) {
              lastProgress = t;
              ctx.emit({ type: 'progress', node: ctx.node, step: pr.step, steps: pr.steps, nfe: { ...pr.nfe }, elapsedMs: Math.round(pr.elapsedMs) });
            }
          },
        },
      );
      await Promise.all(pending);
      const out: NodeOutputs = {
        [imagePort]: { kind: 'Image', tensor: result.sample },
        [tracePort]: {
          kind: 'Trace',
          trace: result.trace,
          snapshots: result.snapshots,
          nfe: result.nfe,
          seconds: result.seconds,
          metrics: finalMetrics(result.sample, resolved, m.sigmaY, m.groundTruth),
          chainMetrics: result.samples.map((x) => finalMetrics(x, resolved, m.sigmaY, m.groundTruth)),
        },
      };
      if (uncertaintyPort) out[uncertaintyPort] = { kind: 'Uncertainty', tensor: result.uncertainty, samples: chains };
      return out;
    },
  };
}
