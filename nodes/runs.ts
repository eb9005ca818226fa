/**
 * The run-code registry: what each node type contributes to the plan and computes (its
 * `<name>.run.ts`). Loaded by the server, the CLI and the browser worker, never by editor
 * components. `NODE_KIT` is what lib/plan receives.
 */
import type { NodeKit, NodeRun } from '../lib/plan/node-run';
import { getNodeDefinition } from './index';
import type { NodeRunEntry } from './run';
import angles from './analysis/angles.run';
import metrics from './analysis/metrics.run';
import blackMask from './degradation/black-mask.run';
import blurKernel from './degradation/blur-kernel.run';
import degrade from './degradation/degrade.run';
import simulate from './degradation/simulate.run';
import resize from './image/resize.run';
import loadImage from './input/load-image.run';
import loadKernel from './input/load-kernel.run';
import loadMask from './input/load-mask.run';
import loadMeasurement from './input/load-measurement.run';
import saveImage from './output/save-image.run';
import priorUnet from './prior/prior-unet.run';
import adm from './sampler/adm.run';
import classical from './sampler/classical.run';
import daps from './sampler/daps.run';
import ddnm from './sampler/ddnm.run';
import diffpir from './sampler/diffpir.run';
import dps from './sampler/dps.run';
import schedule from './sampler/schedule.run';
import spgd from './sampler/spgd.run';
import warmup from './sampler/warmup.run';

export const NODE_RUNS: readonly NodeRunEntry[] = [
  loadImage,
  loadMeasurement,
  loadMask,
  loadKernel,
  resize,
  degrade,
  blurKernel,
  blackMask,
  simulate,
  priorUnet,
  schedule,
  warmup,
  adm,
  spgd,
  dps,
  diffpir,
  ddnm,
  daps,
  classical,
  metrics,
  angles,
  saveImage,
];

const RUNS: ReadonlyMap<string, NodeRun> = new Map(NODE_RUNS.map((r) => [r.type, r]));

function getNodeRun(type: string): NodeRun | undefined {
  return RUNS.get(type);
}

/** Node definitions and run code, as lib/plan's compiler and executor take them. */
export const NODE_KIT: NodeKit = { definition: getNodeDefinition, run: getNodeRun };
