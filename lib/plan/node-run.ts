/**
 * What the planner and the executor need from a node type, injected by the caller (nodes/ builds
 * it from its two registries), so lib/plan never names a node type:
 *
 * - its definition (ports, params schema, static `infer`, migrations): client-safe, shared with
 *   the editor (`lib/graph/validate.ts` `NodeTypeInfo`);
 * - its run code (`NodeRun`): what it contributes to the plan at compile time and what it
 *   computes at run time. Node-side files: `nodes/<category>/<name>.run.ts`.
 *
 * @example
 * const kit: NodeKit = { definition: getNodeDefinition, run: getNodeRun };
 * const r = await compileGraph(doc, kit, env);
 * if (r.ok) await executePlan(r.plan, kit, adapters, { onEvent });
 */
import type { EmbeddedAsset } from '../graph/embedded-assets';
import type { NodeMigrationInfo } from '../graph/migrate';
import type { PortFacts, PortType } from '../graph/ports';
import type { NodeTypeInfo } from '../graph/validate';
import type { EpsModel } from '../diffusion/types';
import type { Tensor } from '../tensor';
import type { Nfe } from '../samplers/types';
import type { PlanStep, ProbeInfo, RunEventPayload, RunsOn, TensorKind } from './types';
import type { Throughput } from './throughput';
import type { NodeOutputs, PortValue, PortValueOf } from './values';

// ------------------------------------------------------------------------------ compile time

/** What the environment knows about a prior model at one image size. */
export interface PriorReport {
  /** FLOPs of one forward pass for one image at that size (0 when unknown). */
  flops: number;
  parameters: number;
  /** Why the model is not a usable epsilon network (wrong inputs, outputs, opset...). */
  problems: string[];
  /** Ops on the image-to-output path without a VJP rule ("Round 'node_7'"); empty when differentiable. */
  unsupportedOps: string[];
  /** Bytes of activations kept for one VJP call, when the environment can tell. */
  activationBytes?: number;
}

export type ImageDescription = { width: number; height: number } | { error: string };

/** The compiler's I/O hooks (the server's asset store and prior registry; the CLI's files). */
export interface CompileEnv {
  /** Where the steps run (default 'server'). */
  backend?: RunsOn;
  /** Describes a prior ('default' | 'gaussian' | 'sha256:<hex>') at an image size. */
  inspectPrior?(model: string, size: { height: number; width: number }): PriorReport | Promise<PriorReport>;
  /** Size of an image or array source ('sample:<name>' | 'sha256:<hex>'), or why it cannot be loaded. */
  describeImage?(source: string): ImageDescription | undefined | Promise<ImageDescription | undefined>;
  /** Measured speeds of the backend (lib/plan/throughput.ts); absent: priced from FLOPs at a nominal rate. */
  throughput?: Throughput;
  /** Whether a node's outputs are cached by content key (the estimate counts those nodes as free). */
  isCached?(key: string): boolean;
  /** Whether a model's sessions for this operator task and size are open (absent: assume they are). */
  isWarm?(model: string, task: string | undefined, pixels: number): boolean;
  /** Whether the model is open at all (absent: assume not when a session is cold). */
  isOpen?(model: string): boolean;
  /**
   * Stores the files the document carries (`assets[sha].data`, already checked against their
   * keys) where `describeImage` and the run will find them; returns a problem per file that is
   * not a usable image or mask.
   */
  storeEmbeddedAssets?(files: EmbeddedAsset[]): string[] | Promise<string[]>;
}

/** Facts a node learns from the outside world at compile time (e.g. an uploaded image's size). */
export interface DescribeResult {
  outputs?: Record<string, PortFacts>;
  errors?: string[];
}

export interface PlanContext<P> {
  node: string;
  params: P;
  /** Facts of the wired inputs (absent for unconnected optional ones). */
  inputs: Record<string, PortFacts | undefined>;
  /** This node's own output facts (from its `infer`). */
  outputs: Record<string, PortFacts>;
}

/** A sampler node's resolved configuration and cost, stored on its plan step (`PlanStep.sampler`). */
export interface SamplerContribution {
  /** The sampler's registry id (lib/samplers). */
  method: string;
  params: Record<string, unknown>;
  seed: number;
  steps: number;
  nfe: Nfe;
  /** Size of the image it restores. */
  height: number;
  width: number;
  /** The input port its prior comes from (absent for samplers that need none): checked and priced at this size. */
  priorPort?: string;
  /** How its guidance calls run, and its operator work outside them (the estimate prices them); all chains. */
  guidance: 'fused' | 'pullback';
  proxSteps?: number;
  /** Pseudo-inverses A^+ (DDNM+). */
  pinvSteps?: number;
  /** Operator round trips A, A^T outside the network calls (DAPS's Langevin steps). */
  applySteps?: number;
  /** Image-sized normal draws beyond one per step (DAPS's Langevin noise). */
  noiseDraws?: number;
  /** The operator's task, from the facts of its Operator input. */
  task?: string;
}

/** What a node adds to the plan beyond its step. */
export interface PlanContribution {
  /** Problems only visible with the full configuration (e.g. sampler parameters that clash). */
  errors?: string[];
  sampler?: SamplerContribution;
}

// ------------------------------------------------------------------------------ run time

export interface ExecuteAdapters {
  /** 'sample:<name>' | 'sha256:<hex>' -> [C, H, W] in [-1, 1] (an image, or a measurement's .npy). */
  loadImage(source: string): Promise<Tensor>;
  /** 'sha256:<hex>' of a mask or kernel (.npy or PNG) -> its array; absent where none can be loaded. */
  loadArray?(source: string): Promise<Tensor>;
  /** 'default' | 'gaussian' | 'sha256:<hex>' -> an epsilon network. */
  loadPrior(model: string): Promise<EpsModel>;
  /** Save image nodes: write the image (the adapter embeds the graph). */
  saveImage?(args: { node: string; filename: string; image: Tensor }): Promise<void>;
}

/** A tensor (or a non-tensor summary) made available for `tensor.get` and announced as a probe. */
export type Publication = Omit<ProbeInfo, 'dtype' | 'stats' | 'shape' | 'kind'> & { tensor?: Tensor; kind?: TensorKind };

export interface RunContext<P> {
  node: string;
  step: PlanStep;
  params: P;
  /** Wired inputs by port. */
  inputs: Record<string, PortValue>;
  /** A required input of a given port type (a clear error if it is missing or of another type). */
  input: <T extends PortType>(port: string, type: T) => PortValueOf<T>;
  /** An optional input, or undefined when it is not wired. */
  optionalInput: <T extends PortType>(port: string, type: T) => PortValueOf<T> | undefined;
  adapters: ExecuteAdapters;
  signal?: AbortSignal;
  emit: (event: RunEventPayload) => void;
  /** Publishes an extra tensor or summary (outputs are published by the executor). */
  publish: (p: Publication) => Promise<void>;
  /** Snapshot steps per sampler and the progress throttle (ms), from the executor's options. */
  captures: number;
  progressIntervalMs: number;
  now: () => number;
}

/** A node type's behaviour: `nodes/<category>/<name>.run.ts` exports one (`defineNodeRun`). */
export interface NodeRun<P = Record<string, unknown>> {
  /** Compile time, with I/O: facts `infer` cannot know (passed to it as `described`). */
  describe?(params: P, env: CompileEnv): DescribeResult | Promise<DescribeResult>;
  /** Compile time: what this node adds to the plan. */
  plan?(ctx: PlanContext<P>): PlanContribution;
  /** Run time: the node's outputs, exactly the ports its definition declares (fewer only for side-effect nodes). */
  run(ctx: RunContext<P>): Promise<NodeOutputs> | NodeOutputs;
  /** false for side effects (Save image): never taken from the output cache. Default true. */
  cacheable?: boolean;
}

/** Node types as lib/plan sees them (dependency injection from nodes/). */
export interface NodeKit {
  definition: (type: string) => (NodeTypeInfo & NodeMigrationInfo) | undefined;
  run: (type: string) => NodeRun | undefined;
}
