/**
 * InstanceNormalization: y = scale[c] * xhat + B[c], xhat normalized over the spatial axes of
 * each (n, c). dx = normalization gradient of g * scale; dscale = sum(g * xhat); dB = sum(g).
 * (PyTorch exports GroupNorm as Reshape -> InstanceNormalization -> Reshape -> Mul -> Add.)
 *
 * With constant scale = 1 and B = 0 (the GroupNorm export) the forward output is xhat itself,
 * so the statistics are not recomputed: rstd = 1 / sqrt(var + eps) follows from
 * q = mean(x * xhat) = rstd * var as rstd = 2 / (q + sqrt(q^2 + 4 eps)) (exact, and stable for
 * var -> 0), and dx = rstd * g - (xhat * (rstd * mean(g * xhat)) + rstd * mean(g)):
 * 9 full-size passes instead of 13, and nothing of size [N, C, ...] but x, xhat and g is read.
 * (A 3-input Sum for the last two ops measured slower than Add + Sub in ONNX Runtime 1.30.)
 */
import { attrFloat, tensorValues } from '../attrs';
import type { VjpContext, VjpRule } from './types';
import { Emit, normalizationGrad } from './util';

function isConstant(ctx: VjpContext, v: string, value: number): boolean {
  const t = v ? ctx.constant(v) : undefined;
  if (!t) return false;
  try {
    return tensorValues(t).every((x) => x === value);
  } catch {
    return false;
  }
}

export const InstanceNormalization: VjpRule = {
  vjp(ctx) {
    const e = new Emit(ctx);
    const [x, scale, bias] = [ctx.input(0), ctx.input(1), ctx.input(2)];
    const xShape = ctx.shape(x);
    const dt = ctx.dtype(x);
    const c = xShape[1];
    const spatial = xShape.slice(2).map((_, i) => i + 2);
    const g = ctx.gradOut(0)!;
    const eps = attrFloat(ctx.node, 'epsilon', 1e-5);
    if (ctx.needsGrad(0) && !ctx.needsGrad(1) && !ctx.needsGrad(2) && isConstant(ctx, scale, 1) && isConstant(ctx, bias, 0)) {
      const xhat = ctx.output(0);
      const q = e.reduceMean(e.mul(x, xhat), spatial, true);
      const root = e.op('Sqrt', [e.add(e.mul(q, q), e.scalar(4 * eps, dt))]);
      const rstd = e.div(e.scalar(2, dt), e.add(q, root));
      const mg = e.reduceMean(g, spatial, true);
      const mgx = e.reduceMean(e.mul(g, xhat), spatial, true);
      const along = e.mul(xhat, e.mul(rstd, mgx));
      e.sub(e.mul(g, rstd), e.add(along, e.mul(rstd, mg)), ctx.gradIn(0));
      return e.nodes;
    }
    const scaleB = e.reshape(scale, [c, ...spatial.map(() => 1)]);
    const gs = e.mul(g, scaleB);
    const { xhat } = normalizationGrad(e, x, gs, spatial, eps, dt, ctx.needsGrad(0) ? ctx.gradIn(0) : undefined);
    if (ctx.needsGrad(1)) e.reduceSum(e.mul(g, xhat), [0, ...spatial], false, ctx.gradIn(1));
    if (ctx.needsGrad(2)) e.reduceSum(g, [0, ...spatial], false, ctx.gradIn(2));
    return e.nodes;
  },
};
