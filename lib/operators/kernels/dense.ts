/**
 * Small dense row-major float64 matrix helpers (the sr-x4 prox works in the eigenbasis of
 * (H/4) x (H/4) Gram matrices).
 */
import type { BandedMatrix } from './banded';

/** S = M M^T (rows x rows), from a banded M. */
export function bandedGram(m: BandedMatrix): Float64Array {
  const n = m.rows;
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let acc = 0;
      for (let t = 0; t < m.width; t++) {
        const col = m.start[i] + t;
        const u = col - m.start[j];
        if (u >= 0 && u < m.width) acc += m.weights[i * m.width + t] * m.weights[j * m.width + u];
      }
      s[i * n + j] = acc;
      s[j * n + i] = acc;
    }
  }
  return s;
}

/**
 * out = op(A) X op(B) for one `[p, q]` slice X, with A `p x p` and B `q x q` row-major;
 * `transA`/`transB` select A^T / B^T. `tmp` needs p*q entries.
 */
export function sandwich(
  a: Float64Array,
  transA: boolean,
  x: Float64Array,
  xOff: number,
  p: number,
  q: number,
  b: Float64Array,
  transB: boolean,
  out: Float64Array,
  outOff: number,
  tmp: Float64Array,
): void {
  // tmp = op(A) X
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < q; j++) tmp[i * q + j] = 0;
    for (let k = 0; k < p; k++) {
      const aik = transA ? a[k * p + i] : a[i * p + k];
      if (aik === 0) continue;
      const xr = xOff + k * q;
      for (let j = 0; j < q; j++) tmp[i * q + j] += aik * x[xr + j];
    }
  }
  // out = tmp op(B)
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < q; j++) out[outOff + i * q + j] = 0;
    for (let k = 0; k < q; k++) {
      const t = tmp[i * q + k];
      if (t === 0) continue;
      const o = outOff + i * q;
      if (transB) for (let j = 0; j < q; j++) out[o + j] += t * b[j * q + k];
      else for (let j = 0; j < q; j++) out[o + j] += t * b[k * q + j];
    }
  }
}
