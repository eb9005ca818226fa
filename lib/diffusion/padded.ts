/**
 * Any image size for a network that needs multiples of its stride (a UNet with k downsamplings
 * takes multiples of 2^k): the input is reflect-padded up to the next multiple, the network runs
 * on the padded image, and its output is cropped back exactly.
 *
 *   eps(z) = crop(eps_net(pad(z)))
 *   J^T v  = pad^T(J_net^T crop^T(v))      crop^T: zero-pad, pad^T: fold the reflected border back
 *
 * The padding is split between the two sides (top/left get the smaller half) and reflects without
 * repeating the edge, wrapping again where it is wider than the image. Sizes that are already
 * multiples pass straight through, fused guidance included (bit-identical to the bare network).
 *
 * @example
 * const eps = paddedEpsModel(await loadPrior('default'), 8);
 * await eps.eps(z50x37, t);  // runs the network on 56x40, returns 50x37
 */
import { foldWindow2d, gatherWindow2d, reflectWindow } from '../operators/kernels/reflect-pad';
import { tensor, type Tensor } from '../tensor';
import type { DenoisedLossDescription, EpsModel, EpsOutput, VpScalars } from './types';

interface Padding {
  h: number;
  w: number;
  top: number;
  left: number;
  rows: Int32Array;
  cols: Int32Array;
}

export function paddingFor(h: number, w: number, multiple: number): Padding | null {
  const ph = (multiple - (h % multiple)) % multiple;
  const pw = (multiple - (w % multiple)) % multiple;
  if (ph === 0 && pw === 0) return null;
  const top = Math.floor(ph / 2);
  const left = Math.floor(pw / 2);
  return { h, w, top, left, rows: reflectWindow(h, -top, h - 1 + ph - top), cols: reflectWindow(w, -left, w - 1 + pw - left) };
}

/** [C, h, w] -> [C, h + ph, w + pw]. */
export function padImage(t: Tensor, p: Padding): Tensor {
  const c = t.shape[0];
  const hp = p.rows.length;
  const wp = p.cols.length;
  const out = new Float32Array(c * hp * wp);
  for (let k = 0; k < c; k++) gatherWindow2d(t.data, k * p.h * p.w, p.w, p.rows, p.cols, out.subarray(k * hp * wp, (k + 1) * hp * wp));
  return tensor([c, hp, wp], out);
}

/** Adjoint of `padImage`: each padded value added back into the pixel it was copied from. */
export function padImageAdjoint(t: Tensor, p: Padding): Tensor {
  const c = t.shape[0];
  const hp = p.rows.length;
  const wp = p.cols.length;
  const out = new Float32Array(c * p.h * p.w);
  for (let k = 0; k < c; k++) foldWindow2d(t.data.subarray(k * hp * wp, (k + 1) * hp * wp), p.rows, p.cols, out, k * p.h * p.w, p.w);
  return tensor([c, p.h, p.w], out);
}

/** The original window of a padded tensor (`toPadded` false), or its adjoint: the window placed in zeros. */
export function cropImage(t: Tensor, p: Padding, toPadded = false): Tensor {
  const c = t.shape[0];
  const hp = p.rows.length;
  const wp = p.cols.length;
  const out = new Float32Array(c * (toPadded ? hp * wp : p.h * p.w));
  for (let k = 0; k < c; k++) {
    for (let i = 0; i < p.h; i++) {
      const padded = k * hp * wp + (p.top + i) * wp + p.left;
      const plain = (k * p.h + i) * p.w;
      if (toPadded) out.set(t.data.subarray(plain, plain + p.w), padded);
      else out.set(t.data.subarray(padded, padded + p.w), plain);
    }
  }
  return tensor(toPadded ? [c, hp, wp] : [c, p.h, p.w], out);
}

function cropOutput(out: EpsOutput, p: Padding): EpsOutput {
  return { eps: cropImage(out.eps, p), ...(out.varianceLogit ? { varianceLogit: cropImage(out.varianceLogit, p) } : {}) };
}

/** `inner`, taking any [C, H, W]: padded to multiples of `multiple` around every network call. */
export function paddedEpsModel(inner: EpsModel, multiple: number): EpsModel {
  if (multiple <= 1) return inner;
  const padding = (z: Tensor) => paddingFor(z.shape[1], z.shape[2], multiple);
  const fused = inner.fusedVpLossGrad?.bind(inner);
  const epsBatch = inner.epsBatch?.bind(inner);
  const fusedBatch = inner.fusedVpLossGradBatch?.bind(inner);
  return {
    name: inner.name,
    outChannels: inner.outChannels,
    integerTimesteps: inner.integerTimesteps,
    eps: async (z, t) => {
      const p = padding(z);
      if (!p) return inner.eps(z, t);
      return cropOutput(await inner.eps(padImage(z, p), t), p);
    },
    epsPullback: async (z, t, cotangent) => {
      const p = padding(z);
      if (!p) return inner.epsPullback(z, t, cotangent);
      const r = await inner.epsPullback(padImage(z, p), t, (padded) => cropImage(cotangent(cropOutput(padded, p)), p, true));
      return { out: cropOutput(r.out, p), vjp: padImageAdjoint(r.vjp, p) };
    },
    // The fused model (D, loss and gradient in one call) is compiled for the network's own size:
    // padded sizes take the pullback path above.
    ...(fused ? { fusedVpLossGrad: (x: Tensor, s: VpScalars, loss: DenoisedLossDescription) => (padding(x) ? Promise.resolve(null) : fused(x, s, loss)) } : {}),
    ...(epsBatch
      ? {
          epsBatch: async (zs: readonly Tensor[], t: number) => {
            const p = padding(zs[0]);
            if (!p) return epsBatch(zs, t);
            return (await epsBatch(zs.map((z) => padImage(z, p)), t)).map((out) => cropOutput(out, p));
          },
        }
      : {}),
    ...(fusedBatch
      ? {
          fusedVpLossGradBatch: (xs: readonly Tensor[], s: VpScalars, loss: DenoisedLossDescription) =>
            padding(xs[0]) ? Promise.resolve(null) : fusedBatch(xs, s, loss),
        }
      : {}),
  };
}
