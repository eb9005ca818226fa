/**
 * The node registry (definitions only: client-safe, no engine run code): every node type, keyed
 * by its stable type name. Run code is registered in nodes/runs.ts, widgets in nodes/widgets.ts.
 */
import type { NodeDefinition } from './define';
import angles from './analysis/angles';
import metrics from './analysis/metrics';
import blackMask from './degradation/black-mask';
import blurKernel from './degradation/blur-kernel';
import degrade from './degradation/degrade';
import simulate from './degradation/simulate';
import resize from './image/resize';
import loadImage from './input/load-image';
import loadKernel from './input/load-kernel';
import loadMask from './input/load-mask';
import loadMeasurement from './input/load-measurement';
import saveImage from './output/save-image';
import priorUnet from './prior/prior-unet';
import adm from './sampler/adm';
import classical from './sampler/classical';
import daps from './sampler/daps';
import ddnm from './sampler/ddnm';
import diffpir from './sampler/diffpir';
import dps from './sampler/dps';
import schedule from './sampler/schedule';
import spgd from './sampler/spgd';
import warmup from './sampler/warmup';

export const NODE_TYPES: readonly NodeDefinition[] = [
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

const NODE_REGISTRY: ReadonlyMap<string, NodeDefinition> = new Map(NODE_TYPES.map((d) => [d.type, d]));

export function getNodeDefinition(type: string): NodeDefinition | undefined {
  return NODE_REGISTRY.get(type);
}

export type { NodeDefinition } from './define';
