/**
 * The colour scale of non-negative maps ('heat' tensors: the uncertainty map): black through
 * purple, red and orange to pale yellow (a magma-like ramp, perceptually ordered and readable
 * in greyscale), from 0 at the bottom to the map's maximum at the top. One table for the
 * rendered PNGs (render.ts) and the editor's legend.
 */

/** Colour stops at positions 0, 0.25, 0.5, 0.75, 1 (sRGB 0..255). */
export const HEAT_STOPS: readonly (readonly [number, number, number])[] = [
  [0, 0, 4],
  [81, 18, 124],
  [183, 55, 121],
  [252, 137, 97],
  [252, 253, 191],
];

/** The colour of t in [0, 1] (clamped), linearly between the stops. */
export function heatColor(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t)) * (HEAT_STOPS.length - 1);
  const k = Math.min(HEAT_STOPS.length - 2, Math.floor(u));
  const f = u - k;
  const a = HEAT_STOPS[k];
  const b = HEAT_STOPS[k + 1];
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

/** The scale as a CSS gradient (left = 0). */
export function heatGradientCss(direction = 'to right'): string {
  return `linear-gradient(${direction}, ${HEAT_STOPS.map(([r, g, b], i) => `rgb(${r} ${g} ${b}) ${(100 * i) / (HEAT_STOPS.length - 1)}%`).join(', ')})`;
}
