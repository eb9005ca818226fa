/**
 * How run values become probes and events: one publisher per port type (not per node type), the
 * sampler snapshots of the step timeline, and traces as JSON.
 */
import { karrasSigmas } from '../diffusion/karras';
import { encodePng, tensorToImage } from '../image';
import type { StepSnapshot, StepTrace } from '../samplers/types';
import type { Tensor } from '../tensor';
import type { Publication } from './node-run';
import { pngDataUrl } from './render';
import type { RunEventPayload, TensorKind, TraceJson } from './types';
import { metricsSummary, type PortValue } from './values';

type Publish = (p: Publication) => Promise<void>;

const nan = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

export function traceJson(t: StepTrace): TraceJson {
  return {
    step: t.step,
    sigma: nan(t.sigma),
    t: nan(t.t),
    stepSize: nan(t.stepSize),
    residualNorm: nan(t.residualNorm),
    gradNorm: nan(t.gradNorm),
    admWeights: t.admWeights.map((w) => nan(w)),
    conflict: nan(t.conflict),
    fluctuationRaw: nan(t.fluctuationRaw),
    fluctuationAdm: nan(t.fluctuationAdm),
    priorStability: nan(t.priorStability),
    ...(t.psnr === undefined ? {} : { psnr: nan(t.psnr) }),
    ...(t.ssim === undefined ? {} : { ssim: nan(t.ssim) }),
    nfe: { ...t.nfe },
  };
}

/** Steps 0, k, 2k, ... and the last one, about `count` in all. */
export function captureSteps(steps: number, count = 10): Set<number> {
  const every = Math.max(1, Math.ceil(steps / Math.max(1, count)));
  const s = new Set<number>();
  for (let i = 0; i < steps; i += every) s.add(i);
  if (steps > 0) s.add(steps - 1);
  return s;
}

/** A sampler step's tensors (x, D, g, momentum, residual) for the timeline, and the D preview. */
export async function publishSnapshot(node: string, s: StepSnapshot, publish: Publish, emit: (e: RunEventPayload) => void): Promise<void> {
  const parts: [string, Tensor | undefined, TensorKind][] = [
    ['x', s.x, 'image'],
    ['D', s.denoised, 'image'],
    ['g', s.grad, 'signed'],
    ['momentum', s.momentum, 'signed'],
    ['residual', s.residual, 'signed'],
  ];
  for (const [port, tensor, kind] of parts) if (tensor) await publish({ node, port, step: s.step, tensor, kind });
  emit({ type: 'preview', node, step: s.step, png: pngDataUrl(encodePng(tensorToImage(s.denoised))) });
}

const series = (values: ArrayLike<number>): Tensor => ({ shape: [values.length], data: Float32Array.from(values) });

/**
 * Publishes one output value. `nodeOfKey` finds the node with a content key: a simulated
 * measurement's operator is built where the image shape is known, so its mask or kernel is shown
 * as the picture of the node that made the operator.
 */
export async function publishOutput(node: string, port: string, v: PortValue, publish: Publish, nodeOfKey: (key: string) => string | undefined): Promise<void> {
  switch (v.kind) {
    case 'Image':
      return publish({ node, port, tensor: v.tensor, kind: 'image' });
    case 'Mask':
    case 'Kernel':
      return publish({ node, port, tensor: v.tensor, kind: 'map', summary: `${v.kind.toLowerCase()} ${v.tensor.shape.join('x')}` });
    case 'Measurement': {
      await publish({ node, port, tensor: v.y, kind: 'image', summary: `y ${v.y.shape.join('x')}, sigma_y ${v.sigmaY}` });
      const maker = v.operatorKey ? nodeOfKey(v.operatorKey) : undefined;
      const operator = v.operator;
      const state = operator?.state.mask ?? operator?.state.kernel;
      if (maker && operator && state) await publish({ node: maker, port: 'operator', tensor: state, kind: 'map', summary: operator.task });
      return;
    }
    case 'Uncertainty':
      return publish({ node, port, tensor: v.tensor, kind: 'heat', summary: v.samples > 1 ? `per-pixel std over ${v.samples} samples` : 'one sample: no spread (set samples > 1)' });
    case 'Operator':
      return publish({ node, port, summary: `${v.task} (seed ${v.seed})` });
    case 'Prior':
      return publish({ node, port, summary: `${v.model}: ${v.eps.name}` });
    case 'Schedule': {
      const sig = karrasSigmas(v.bundle as { steps: number });
      return publish({ node, port, tensor: series(sig), kind: 'series', summary: `${sig.length - 1} noise levels` });
    }
    case 'Warmup':
    case 'Momentum':
      return publish({ node, port, summary: JSON.stringify(v.bundle) });
    case 'Trace':
      return publish({ node, port, tensor: series(v.trace.map((t) => t.residualNorm)), kind: 'series', summary: metricsSummary(v.metrics) });
    case 'Metrics':
      return publish({ node, port, summary: metricsSummary(v.metrics) });
  }
}
