import type { Tensor } from '../tensor';

/**
 * angle(u, v) = degrees(arccos(clamp(<u,v> / (|u| |v|), -1, 1))) over flattened tensors
 * (spgd-algorithm.md section 8). Returns NaN when either vector is zero.
 */
export function angleDegrees(u: Tensor, v: Tensor): number {
  const a = u.data;
  const b = v.data;
  if (a.length !== b.length) throw new RangeError(`angle: ${a.length} vs ${b.length} elements`);
  let uv = 0;
  let uu = 0;
  let vv = 0;
  for (let i = 0; i < a.length; i++) {
    uv += a[i] * b[i];
    uu += a[i] * a[i];
    vv += b[i] * b[i];
  }
  if (uu === 0 || vv === 0) return NaN;
  const c = Math.min(1, Math.max(-1, uv / Math.sqrt(uu * vv)));
  return (Math.acos(c) * 180) / Math.PI;
}
