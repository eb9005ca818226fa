/**
 * Random camera-shake (motion blur) kernels, reconstructed from the `motionblur` generator
 * (LeviBorodenko/motionblur, `Kernel(size, intensity).kernelMatrix`) that DPS uses, with every
 * random draw taken from an explicit Rng. Bit-parity with numpy/PIL is not a goal; the
 * procedure and its distributions are:
 *
 * 1. Canvas of twice the kernel size (X = Y = 2*size), diagonal D = sqrt(X^2 + Y^2).
 * 2. Path length L = 0.75 D (U(0,1) + U(0, intensity^2)); steps of length
 *    Beta(1, 30) (1 - intensity + 0.1) D are drawn (rejecting any longer than L) until their
 *    sum reaches L. So the total length grows with intensity and single steps shrink.
 * 3. Turning: max angle A = U(0, intensity pi), jitter probability J = Beta(2, 20). The first
 *    heading is U(-A, A); each next heading is Triangular(0, intensity A, A + 0.1) with the sign
 *    of the previous heading, flipped with probability J.
 * 4. Points = cumulative sum of the steps as complex numbers; subtract their mean, rotate by
 *    U(0, pi), move the mean to the canvas centre (X/2, Y/2).
 * 5. Rasterise the polyline in white (255) on black with width int(D/150) = 1
 *    (integer-truncated vertices, Bresenham segments), blur like PIL's GaussianBlur with radius
 *    int(0.01 D) = 1 (three box passes, edges extended), downsample 2x with PIL-style
 *    antialiased Lanczos-3, rounding to 8 bits after the blur and after the resize as PIL's
 *    uint8 images do (this clips the Lanczos ringing to 0 and drops the faint halo), then
 *    normalise to sum 1.
 *
 * @example
 * const k = motionKernel(new Rng(7, 'operator'), 61, 0.5); // Float32Array(61*61), sums to 1
 */
import type { Rng } from '../../rng';

const EPS = 0.1;

export interface MotionPath {
  /** Vertex x (column) and y (row) coordinates on the 2x canvas. */
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly canvas: number;
}

const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng.uniform();

/** Beta(1, b) by inversion: 1 - U^(1/b). */
const beta1 = (rng: Rng, b: number): number => 1 - Math.pow(rng.uniform(), 1 / b);

/** Gamma(k, 1) for integer k: -sum log U. */
function gammaInt(rng: Rng, k: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) s -= Math.log(rng.uniform());
  return s;
}

/** Beta(a, b) for integer a, b via two gammas. */
function betaInt(rng: Rng, a: number, b: number): number {
  const x = gammaInt(rng, a);
  return x / (x + gammaInt(rng, b));
}

function triangular(rng: Rng, left: number, mode: number, right: number): number {
  const u = rng.uniform();
  const span = right - left;
  if (span <= 0) return left;
  const f = (mode - left) / span;
  if (u < f) return left + Math.sqrt(u * span * (mode - left));
  return right - Math.sqrt((1 - u) * span * (right - mode));
}

/** Steps 1-4 of the procedure: the trajectory's vertices on a `2*size` canvas. */
export function motionPath(rng: Rng, size: number, intensity: number): MotionPath {
  if (!(intensity >= 0 && intensity <= 1)) throw new RangeError(`intensity must be in [0, 1], got ${intensity}`);
  const canvas = 2 * size;
  const diag = Math.SQRT2 * canvas;

  const maxLen = 0.75 * diag * (rng.uniform() + uniform(rng, 0, intensity * intensity));
  const steps: number[] = [];
  let total = 0;
  // The reference loops until the steps reach maxLen; the draw cap only guards a near-zero maxLen.
  for (let draws = 0; total < maxLen && draws < 100_000; draws++) {
    const step = beta1(rng, 30) * (1 - intensity + EPS) * diag;
    if (step < maxLen) {
      steps.push(step);
      total += step;
    }
  }
  if (steps.length === 0) steps.push(0);

  const maxAngle = uniform(rng, 0, intensity * Math.PI);
  const jitter = betaInt(rng, 2, 20);
  const angles = [uniform(rng, -maxAngle, maxAngle)];
  while (angles.length < steps.length) {
    let a = triangular(rng, 0, intensity * maxAngle, maxAngle + EPS);
    const prevSign = Math.sign(angles[angles.length - 1]);
    a *= rng.uniform() < jitter ? -prevSign : prevSign;
    angles.push(a);
  }

  const n = steps.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  let px = 0;
  let py = 0;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    px += steps[i] * Math.cos(angles[i]);
    py += steps[i] * Math.sin(angles[i]);
    x[i] = px;
    y[i] = py;
    mx += px;
    my += py;
  }
  mx /= n;
  my /= n;
  const rot = uniform(rng, 0, Math.PI);
  const cr = Math.cos(rot);
  const sr = Math.sin(rot);
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    x[i] = dx * cr - dy * sr + canvas / 2;
    y[i] = dx * sr + dy * cr + canvas / 2;
  }
  return { x, y, canvas };
}

/** Width-1 polyline on a `canvas x canvas` 8-bit image (row-major, 255 on the path, 0 elsewhere). */
function rasterisePath(path: MotionPath): Float64Array {
  const n = path.canvas;
  const img = new Float64Array(n * n);
  const plot = (cx: number, cy: number): void => {
    if (cx >= 0 && cx < n && cy >= 0 && cy < n) img[cy * n + cx] = 255;
  };
  const m = path.x.length;
  if (m === 1) plot(Math.trunc(path.x[0]), Math.trunc(path.y[0]));
  for (let s = 0; s + 1 < m; s++) {
    let x0 = Math.trunc(path.x[s]);
    let y0 = Math.trunc(path.y[s]);
    const x1 = Math.trunc(path.x[s + 1]);
    const y1 = Math.trunc(path.y[s + 1]);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    for (;;) {
      plot(x0, y0);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }
  return img;
}

/**
 * PIL's GaussianBlur(radius = std): `passes` box blurs per axis whose fractional radius makes
 * the total variance std^2 (Gwosdek et al. 2011, as in Pillow's BoxBlur.c), edges extended.
 * For std 1 each pass is the 3-tap [1/6, 2/3, 1/6].
 */
function pilGaussianBlur(img: Float64Array, n: number, std: number, passes = 3): Float64Array {
  const sigma2 = (std * std) / passes;
  const len = Math.sqrt(12 * sigma2 + 1);
  const l = Math.floor((len - 1) / 2);
  const a = ((2 * l + 1) * (l * (l + 1) - 3 * sigma2)) / (6 * (sigma2 - (l + 1) * (l + 1)));
  const taps = new Float64Array(2 * l + 3);
  taps.fill(1, 1, 2 * l + 2);
  taps[0] = a;
  taps[2 * l + 2] = a;
  const norm = 2 * l + 1 + 2 * a;
  for (let t = 0; t < taps.length; t++) taps[t] /= norm;
  let cur = img;
  for (let p = 0; p < passes; p++) cur = blurClamped(cur, n, taps);
  return cur;
}

/** Separable correlation of an n x n image with 1-D taps, edges extended (clamped indices). */
function blurClamped(img: Float64Array, n: number, taps: Float64Array): Float64Array {
  const r = (taps.length - 1) / 2;
  const tmp = new Float64Array(n * n);
  const out = new Float64Array(n * n);
  const clamp = (i: number): number => (i < 0 ? 0 : i >= n ? n - 1 : i);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = -r; t <= r; t++) s += taps[t + r] * img[i * n + clamp(j + t)];
      tmp[i * n + j] = s;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = -r; t <= r; t++) s += taps[t + r] * tmp[clamp(i + t) * n + j];
      out[i * n + j] = s;
    }
  }
  return out;
}

/** Round to 8-bit like PIL's L/RGB images (values 0..255). */
function quantise8(img: Float64Array): void {
  for (let i = 0; i < img.length; i++) img[i] = Math.min(255, Math.max(0, Math.round(img[i])));
}

function lanczos3(x: number): number {
  if (x <= -3 || x >= 3) return 0;
  if (x === 0) return 1;
  const px = Math.PI * x;
  return (3 * Math.sin(px) * Math.sin(px / 3)) / (px * px);
}

/**
 * PIL-style antialiased Lanczos-3 resampling matrix (`outSize x inSize`, dense row-major):
 * output o is centred at (o + 0.5) * scale in input pixel units, the filter is stretched by the
 * scale, and each row is normalised to sum 1 over the taps inside the image.
 */
function lanczosResizeMatrix(inSize: number, outSize: number): Float64Array {
  const scale = inSize / outSize;
  const fscale = Math.max(scale, 1);
  const support = 3 * fscale;
  const m = new Float64Array(outSize * inSize);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support + 0.5));
    const hi = Math.min(inSize, Math.floor(centre + support + 0.5));
    let sum = 0;
    for (let p = lo; p < hi; p++) {
      const w = lanczos3((p - centre + 0.5) / fscale);
      m[o * inSize + p] = w;
      sum += w;
    }
    if (sum !== 0) for (let p = lo; p < hi; p++) m[o * inSize + p] /= sum;
  }
  return m;
}

function resizeSeparable(img: Float64Array, n: number, out: number): Float64Array {
  const r = lanczosResizeMatrix(n, out);
  const tmp = new Float64Array(n * out);
  for (let i = 0; i < n; i++) {
    for (let o = 0; o < out; o++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += r[o * n + p] * img[i * n + p];
      tmp[i * out + o] = s;
    }
  }
  const res = new Float64Array(out * out);
  for (let o = 0; o < out; o++) {
    for (let j = 0; j < out; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += r[o * n + p] * tmp[p * out + j];
      res[o * out + j] = s;
    }
  }
  return res;
}

/** A `size x size` motion-blur kernel (row-major), non-negative, summing to 1. */
export function motionKernel(rng: Rng, size = 61, intensity = 0.5): Float32Array {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`kernel size must be a positive integer, got ${size}`);
  const path = motionPath(rng, size, intensity);
  const canvas = path.canvas;
  const diag = Math.SQRT2 * canvas;
  let img = rasterisePath(path);
  const blurStd = Math.trunc(diag * 0.01);
  if (blurStd > 0) img = pilGaussianBlur(img, canvas, blurStd);
  quantise8(img);
  const small = resizeSeparable(img, canvas, size);
  quantise8(small);
  let sum = 0;
  for (let i = 0; i < small.length; i++) sum += small[i];
  const k = new Float32Array(size * size);
  if (sum === 0) {
    // The whole path left the canvas (not seen in practice): fall back to the identity blur.
    const c = Math.floor(size / 2);
    k[c * size + c] = 1;
    return k;
  }
  for (let i = 0; i < small.length; i++) k[i] = small[i] / sum;
  return k;
}
