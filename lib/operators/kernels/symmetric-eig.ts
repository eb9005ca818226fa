/**
 * Eigendecomposition of a small dense symmetric matrix, S = V diag(values) V^T, by cyclic
 * Jacobi rotations in float64 (accurate to machine precision; O(n^3) per sweep, fine for the
 * (H/4) x (H/4) Gram matrices of the bicubic downsampler).
 */
export interface SymmetricEig {
  readonly n: number;
  readonly values: Float64Array;
  /** Row-major n x n; column j is the eigenvector of values[j]. */
  readonly vectors: Float64Array;
}

export function symmetricEig(matrix: ArrayLike<number>, n: number, maxSweeps = 60): SymmetricEig {
  if (matrix.length !== n * n) throw new RangeError(`symmetricEig: expected ${n * n} entries, got ${matrix.length}`);
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scaleSq = 0;
  for (let i = 0; i < n * n; i++) scaleSq += a[i] * a[i];
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    if (off <= 1e-30 * scaleSq || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { n, values, vectors: v };
}
