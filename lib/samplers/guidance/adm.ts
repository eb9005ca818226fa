import type { Tensor } from '../../tensor';

/**
 * Adaptive directional momentum (spgd-algorithm.md section 4).
 *
 * For images [C, H, W], the cosine is taken per pixel over the C channels, each norm clamped
 * below at 1e-8; w = (mean_p c_p + 1) / 2 lies in [0, 1]. The momentum update is
 * m <- b m + (1 - b) g with b = beta * w.
 */
export function admWeight(g: Tensor, m: Tensor): number {
  const [c, h, w] = g.shape;
  const hw = h * w;
  let sum = 0;
  for (let p = 0; p < hw; p++) {
    let gm = 0;
    let gg = 0;
    let mm = 0;
    for (let k = 0; k < c; k++) {
      const gv = g.data[k * hw + p];
      const mv = m.data[k * hw + p];
      gm += gv * mv;
      gg += gv * gv;
      mm += mv * mv;
    }
    sum += gm / (Math.max(Math.sqrt(gg), 1e-8) * Math.max(Math.sqrt(mm), 1e-8));
  }
  return (sum / hw + 1) / 2;
}

/** m <- b m + (1 - b) g, returning a new tensor. */
export function admUpdate(m: Tensor, g: Tensor, b: number): Tensor {
  const out = new Float32Array(m.data.length);
  for (let i = 0; i < out.length; i++) out[i] = b * m.data[i] + (1 - b) * g.data[i];
  return { shape: m.shape, data: out };
}
