/**
 * Gaussian blur kernels, as scipy.ndimage.gaussian_filter builds them (truncate = 4) and DPS
 * uses them (a 61x61 delta filtered with std 3):
 *
 *   g[a] = exp(-a^2 / (2 std^2)) / sum,  a = -r..r,  r = int(4 std + 0.5)
 *   K    = g g^T, centred in a size x size window, zero outside radius r.
 *
 * For std 3: r = 12 (25 nonzero taps), the 1-D centre weight is 0.1329845 and the 2-D centre
 * K[30, 30] = 0.1329845^2 = 0.0176849.
 */

/** Radius scipy uses: int(truncate * std + 0.5). */
export function gaussianRadius(std: number, truncate = 4): number {
  return Math.floor(truncate * std + 0.5);
}

/** Normalised 1-D weights for a = -r..r. */
export function gaussianTaps1d(std: number, radius = gaussianRadius(std)): Float64Array {
  if (!(std > 0)) throw new RangeError(`gaussian std must be positive, got ${std}`);
  const g = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let a = -radius; a <= radius; a++) {
    const w = Math.exp(-(a * a) / (2 * std * std));
    g[a + radius] = w;
    sum += w;
  }
  for (let i = 0; i < g.length; i++) g[i] /= sum;
  return g;
}

/** The `size x size` 2-D kernel (row-major Float32Array); size odd and >= 2r+1. */
export function gaussianKernel2d(size: number, std: number): Float32Array {
  const r = gaussianRadius(std);
  if (size % 2 !== 1 || 2 * r + 1 > size) {
    throw new RangeError(`gaussian kernel: size ${size} must be odd and hold radius ${r} (std ${std})`);
  }
  const g = gaussianTaps1d(std, r);
  const c = (size - 1) / 2;
  const k = new Float32Array(size * size);
  for (let i = -r; i <= r; i++) {
    for (let j = -r; j <= r; j++) k[(c + i) * size + (c + j)] = g[i + r] * g[j + r];
  }
  return k;
}
