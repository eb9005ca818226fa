/**
 * Resize, nearest mode, integer up-scaling (every output pixel copies input pixel
 * floor(i / s) -- checked at compile time for the node's coordinate transformation and
 * rounding mode): dx = block sums of g (Reshape [.., H, s, W, s] -> ReduceSum; for images
 * [N, C, H, W] scaled on H and W only, AveragePool(g, s) * s^2, which is much faster).
 */
import { attr, attrString } from '../attrs';
import type { VjpContext, VjpRule } from './types';
import { Emit } from './util';

function nearestIndex(i: number, inLen: number, outLen: number, ctm: string, nm: string): number | undefined {
  const scale = outLen / inLen;
  let xo: number;
  switch (ctm) {
    case 'half_pixel':
      xo = (i + 0.5) / scale - 0.5;
      break;
    case 'pytorch_half_pixel':
      xo = outLen > 1 ? (i + 0.5) / scale - 0.5 : 0;
      break;
    case 'align_corners':
      xo = outLen > 1 ? (i * (inLen - 1)) / (outLen - 1) : 0;
      break;
    case 'asymmetric':
      xo = i / scale;
      break;
    case 'tf_half_pixel_for_nn':
      xo = (i + 0.5) / scale;
      break;
    default:
      return undefined;
  }
  let r: number;
  const frac = xo - Math.floor(xo);
  switch (nm) {
    case 'round_prefer_floor':
      r = frac === 0.5 ? Math.floor(xo) : Math.round(xo);
      break;
    case 'round_prefer_ceil':
      r = frac === 0.5 ? Math.ceil(xo) : Math.round(xo);
      break;
    case 'floor':
      r = Math.floor(xo);
      break;
    case 'ceil':
      r = Math.ceil(xo);
      break;
    default:
      return undefined;
  }
  return Math.min(Math.max(r, 0), inLen - 1);
}

function scaleFactors(ctx: VjpContext): number[] | string {
  const mode = attrString(ctx.node, 'mode', 'nearest');
  if (mode !== 'nearest') return `mode '${mode}' (only nearest is supported)`;
  const ctm = attrString(ctx.node, 'coordinate_transformation_mode', ctx.opset >= 11 ? 'half_pixel' : 'asymmetric');
  const nm = ctx.opset >= 11 ? attrString(ctx.node, 'nearest_mode', 'round_prefer_floor') : 'floor';
  const inS = ctx.shape(ctx.input(0));
  const outS = ctx.shape(ctx.output(0));
  const factors: number[] = [];
  for (let a = 0; a < inS.length; a++) {
    const s = outS[a] / inS[a];
    if (!Number.isInteger(s) || s < 1) return `non-integer or down-scaling factor ${outS[a]}/${inS[a]} on axis ${a}`;
    for (let i = 0; i < outS[a]; i++) {
      if (nearestIndex(i, inS[a], outS[a], ctm, nm) !== Math.floor(i / s)) {
        return `coordinate_transformation_mode '${ctm}' with nearest_mode '${nm}' is not a pixel replication at scale ${s}`;
      }
    }
    factors.push(s);
  }
  return factors;
}

export const Resize: VjpRule = {
  check(ctx) {
    const f = scaleFactors(ctx);
    if (typeof f === 'string') return f;
    for (let i = 1; i < ctx.node.inputs.length; i++) if (ctx.needsGrad(i)) return 'gradient with respect to roi/scales';
    return undefined;
  },
  vjp(ctx) {
    const e = new Emit(ctx);
    const inS = ctx.shape(ctx.input(0));
    const f = scaleFactors(ctx) as number[];
    const split: number[] = [];
    const reduce: number[] = [];
    inS.forEach((d, a) => {
      split.push(d);
      if (f[a] > 1) {
        split.push(f[a]);
        reduce.push(split.length - 1);
      }
    });
    if (reduce.length === 0) {
      e.identity(ctx.gradOut(0), ctx.gradIn(0));
      return e.nodes;
    }
    if (inS.length === 4 && f[0] === 1 && f[1] === 1) {
      // Image up-sampling: the block sums are an AveragePool (fast, NCHWc in ONNX Runtime)
      // times the block size, instead of a strided ReduceSum.
      const pooled = e.op('AveragePool', [ctx.gradOut(0)], [attr.ints('kernel_shape', [f[2], f[3]]), attr.ints('strides', [f[2], f[3]])]);
      e.mul(pooled, e.scalar(f[2] * f[3], ctx.dtype(ctx.input(0))), ctx.gradIn(0));
      return e.nodes;
    }
    const r = e.reshape(ctx.gradOut(0), split);
    e.reduceSum(r, reduce, false, ctx.gradIn(0));
    return e.nodes;
  },
};
