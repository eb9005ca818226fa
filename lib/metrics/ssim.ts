/**
 * Structural similarity, Wang et al. 2004 (docs: spgd-algorithm.md section 7).
 *
 * Inputs in [-1, 1] are mapped to u = clip((x + 1) / 2, 0, 1). Per channel, with G the
 * normalised 11x11 Gaussian window (sigma 1.5, the outer product of 1-D weights
 * exp(-k^2 / 4.5), k = -5..5) applied as a **valid** correlation (no padding: an H x W
 * plane gives an (H-10) x (W-10) map):
 *
 *   mu_x = G*x,  s_xx = G*(x^2) - mu_x^2,  s_xy = G*(xy) - mu_x mu_y   (population moments)
 *   S = (2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(s_xx + s_yy + C2))
 *   C1 = (0.01)^2, C2 = (0.03)^2 (K1 = 0.01, K2 = 0.03, data range 1)
 *
 * SSIM = mean of S per channel, then the mean over channels (and over images for a batch).
 * This equals `skimage.metrics.structural_similarity(u_x, u_ref, gaussian_weights=True,
 * sigma=1.5, use_sample_covariance=False, data_range=1, channel_axis=0)` on float64 input:
 * skimage filters with reflect padding and then drops a 5-pixel border, and the kept pixels
 * never read the padding, so that is exactly the valid correlation used here
 * (tests/fixtures/metrics/make_fixtures.py checks this numerically). The window is applied
 * separably and every sum is float64. Images smaller than 11 x 11 are an IMAGE_TOO_SMALL error.
 *
 * @example
 * ssim(restored, groundTruth);   // in [-1, 1], 1 for identical images
 */
import { SpgdError } from '../errors';
import type { Tensor } from '../tensor';
import { imagePairs, unit } from './pairs';

const RADIUS = 5;
const WIN = 2 * RADIUS + 1;
const SIGMA = 1.5;
const C1 = 0.01 ** 2;
const C2 = 0.03 ** 2;

/** scipy.ndimage's Gaussian kernel: exp(-0.5 k^2 / sigma^2), normalised to sum 1. */
const WEIGHTS = (() => {
  const w = Float64Array.from({ length: WIN }, (_, i) => Math.exp((-0.5 * (i - RADIUS) ** 2) / (SIGMA * SIGMA)));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
})();

interface Work {
  a: Float64Array;
  b: Float64Array;
  /** Horizontally filtered x, y, xx, yy, xy: H rows of (W - 10). */
  h: Float64Array[];
  /** One output row of the vertical pass for each of the five moments. */
  v: Float64Array[];
}

function workspace(height: number, width: number): Work {
  const ow = width - 2 * RADIUS;
  return {
    a: new Float64Array(height * width),
    b: new Float64Array(height * width),
    h: Array.from({ length: 5 }, () => new Float64Array(height * ow)),
    v: Array.from({ length: 5 }, () => new Float64Array(ow)),
  };
}

/** Mean SSIM of one channel plane starting at `off` in both tensors. */
function ssimPlane(xs: Float32Array, ys: Float32Array, off: number, H: number, W: number, work: Work): number {
  const ow = W - 2 * RADIUS;
  const oh = H - 2 * RADIUS;
  const { a, b } = work;
  for (let i = 0; i < H * W; i++) {
    a[i] = unit(xs[off + i]);
    b[i] = unit(ys[off + i]);
  }
  const [hx, hy, hxx, hyy, hxy] = work.h;
  const g = WEIGHTS;
  for (let y = 0; y < H; y++) {
    const row = y * W;
    const orow = y * ow;
    for (let j = 0; j < ow; j++) {
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (let k = 0; k < WIN; k++) {
        const p = a[row + j + k];
        const q = b[row + j + k];
        const wp = g[k] * p;
        const wq = g[k] * q;
        sx += wp;
        sy += wq;
        sxx += wp * p;
        syy += wq * q;
        sxy += wp * q;
      }
      hx[orow + j] = sx;
      hy[orow + j] = sy;
      hxx[orow + j] = sxx;
      hyy[orow + j] = syy;
      hxy[orow + j] = sxy;
    }
  }
  const [vx, vy, vxx, vyy, vxy] = work.v;
  let sum = 0;
  for (let y = 0; y < oh; y++) {
    vx.fill(0);
    vy.fill(0);
    vxx.fill(0);
    vyy.fill(0);
    vxy.fill(0);
    for (let k = 0; k < WIN; k++) {
      const wk = g[k];
      const from = (y + k) * ow;
      for (let j = 0; j < ow; j++) {
        vx[j] += wk * hx[from + j];
        vy[j] += wk * hy[from + j];
        vxx[j] += wk * hxx[from + j];
        vyy[j] += wk * hyy[from + j];
        vxy[j] += wk * hxy[from + j];
      }
    }
    for (let j = 0; j < ow; j++) {
      const ux = vx[j];
      const uy = vy[j];
      const sxx = vxx[j] - ux * ux;
      const syy = vyy[j] - uy * uy;
      const sxy = vxy[j] - ux * uy;
      sum += ((2 * ux * uy + C1) * (2 * sxy + C2)) / ((ux * ux + uy * uy + C1) * (sxx + syy + C2));
    }
  }
  return sum / (oh * ow);
}

export function ssim(x: Tensor, ref: Tensor): number {
  const { count, channels, height, width } = imagePairs(x, ref, 'ssim');
  if (height < WIN || width < WIN) {
    throw new SpgdError('IMAGE_TOO_SMALL', `ssim needs images of at least ${WIN}x${WIN} pixels, got ${width}x${height}`);
  }
  const work = workspace(height, width);
  const plane = height * width;
  let total = 0;
  for (let b = 0; b < count; b++) {
    let perImage = 0;
    for (let c = 0; c < channels; c++) {
      perImage += ssimPlane(x.data, ref.data, (b * channels + c) * plane, height, width, work);
    }
    total += perImage / channels;
  }
  return total / count;
}
