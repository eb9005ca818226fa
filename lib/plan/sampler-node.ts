/**
 * Run code shared by every sampler node (a node with a Measurement and an Operator input and an
 * Image and a Trace output; its ports are found by type):
 *
 * - plan: the sampler's full parameter set from the node's params and the facts of its inputs
 *   (parameter bundles, the measurement's sigma_y), validated by the sampler's own schema, with
 *   its steps and NFE at the size it restores;
 * - run: the sampler loop (lib/samplers/run.ts) with trace, snapshot, preview and progress
 *   events, the final metrics, and Rng(seed, 'sampler') for its draws.
 *
 * A sampler node's run file is then its mapping between node and sampler parameters, in both
 * directions (`toGraph` builds the node and its parameter nodes from a sampler configuration,
 * which is how the CLI turns `--method` into a graph).
 */
import type { z } from 'zod';
import type { PortFacts, PortSpec, PortType } from '../graph/ports';
import type { NodeTypeInfo } from '../graph/validate';
import { Rng } from '../rng';
import { getSampler, parseSamplerParams, runSampler, samplerCost } from '../samplers';
import type { SamplerSpec, StepSnapshot } from '../samplers/types';
import { SpgdError } from '../errors';
import type { NodeRun } from './node-run';
import { captureSteps, publishSnapshot, traceJson } from './publish';
import { finalMetrics, operatorFor } from './values';

/** Default image size for the estimate when the graph does not tell it. */
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

export function samplerNodeRun<S extends z.ZodObject>(def: NodeTypeInfo<S>, spec: SamplerNodeSpec<z.infer<S>>): SamplerNodeRun<z.infer<S>> {
  const priorPort = portOf(def.inputs, 'Prior');
  const measurementPort = requiredPort(def, def.inputs, 'Measurement');
  const operatorPort = requiredPort(def, def.inputs, 'Operator');
  const imagePort = requiredPort(def, def.outputs, 'Image');
  const tracePort = requiredPort(def, def.outputs, 'Trace');

  return {
    samplerNode: spec,

    plan({ params, inputs, outputs }) {
      let config: Record<string, unknown>;
      let cost: ReturnType<typeof samplerCost>;
      try {
        config = parseSamplerParams(spec.sampler, spec.config(params, inputs), def.title);
        cost = samplerCost(spec.sampler, config);
      } catch (e) {
        return { errors: [(e as Error).message] };
      }
      const size = outputs[imagePort] ?? {};
      return {
        sampler: {
          method: spec.sampler.id,
          params: config,
          seed: (params as { seed?: number }).seed ?? 0,
          steps: cost.steps,
          nfe: cost.nfe,
          height: size.height ?? DEFAULT_SIZE,
          width: size.width ?? DEFAULT_SIZE,
          ...(priorPort && spec.sampler.needs(config) !== 'none' ? { priorPort } : {}),
        },
      };
    },

    async run(ctx) {
      const cfg = ctx.step.sampler;
      if (!cfg) throw new SpgdError('BAD_INPUT', `sampler step '${ctx.node}' was compiled without its configuration`);
      const prior = priorPort ? ctx.optionalInput(priorPort, 'Prior') : undefined;
      const m = ctx.input(measurementPort, 'Measurement');
      const operator = operatorFor(m, ctx.input(operatorPort, 'Operator'));
      const sampler = getSampler(cfg.method).create(prior ?? null, cfg.params);
      const captured = captureSteps(sampler.steps, ctx.captures);
      let lastProgress = -Infinity;
      const pending: Promise<void>[] = [];
      const result = await runSampler(
        sampler,
        {
          operator,
          measurement: m.y,
          rng: new Rng(cfg.seed, 'sampler'),
          groundTruth: m.groundTruth,
          signal: ctx.signal,
          captureAt: (i) => captured.has(i),
        },
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
      return {
        [imagePort]: { kind: 'Image', tensor: result.sample },
        [tracePort]: {
          kind: 'Trace',
          trace: result.trace,
          snapshots: result.snapshots,
          nfe: result.nfe,
          seconds: result.seconds,
          metrics: finalMetrics(result.sample, m, operator),
        },
      };
    },
  };
}
