/**
 * The antialiased bicubic x4 downsampling matrix W (`(n/4) x n`).
 *
 * Output i is centred on input coordinate 4i + 1.5 (pixel centres at integers) and reads the 16
 * inputs p = 4i-6 .. 4i+9 with weight keysCubic((4i + 1.5 - p) / 4) / 4 (the cubic stretched by
 * the scale factor, as antialiased resizers do). Inputs outside 0..n-1 come from the
 * half-sample symmetric extension with edge repetition (p < 0 -> -p-1, p > n-1 -> 2n-1-p); such
 * folded taps accumulate into the same column. Interior rows hold the 16 weights
 * -0.001708984375, -0.010986328125, -0.018310546875, -0.011962890625, 0.022705078125,
 * 0.097412109375, 0.181884765625, 0.240966796875 and their mirror image; every row sums to 1.
 *
 * Also the plain (not antialiased) bicubic upsampler, the classical estimate for super-resolution.
 */
import { applySeparable, bandedFromRows, type BandedMatrix } from './banded';
import type { Tensor } from '../../tensor';
import { symmetricIndex } from './reflect-pad';

/** Keys cubic convolution kernel (a = -0.5 by default). */
export function keysCubic(u: number, a = -0.5): number {
  const x = Math.abs(u);
  if (x <= 1) return (a + 2) * x * x * x - (a + 3) * x * x + 1;
  if (x <= 2) return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a;
  return 0;
}

/** W for an axis of length n (n divisible by `factor`). */
export function bicubicDownMatrix(n: number, factor = 4): BandedMatrix {
  if (n % factor !== 0) throw new RangeError(`bicubic: length ${n} is not divisible by ${factor}`);
  const half = 2 * factor; // cubic support 2, stretched by the factor
  return bandedFromRows(n / factor, n, (i, add) => {
    const centre = factor * i + (factor - 1) / 2;
    for (let p = Math.ceil(centre - half); p <= Math.floor(centre + half); p++) {
      const w = keysCubic((centre - p) / factor) / factor;
      if (w !== 0) add(symmetricIndex(p, n), w);
    }
  });
}

/** Bicubic upsampling by `factor` (Keys a = -0.5, half-sample symmetric boundary), [C, h, w] -> [C, factor h, factor w]. */
export function bicubicUpsample(y: Tensor, factor = 4): Tensor {
  const [c, h, w] = y.shape;
  const up = (n: number) =>
    bandedFromRows(n * factor, n, (i, add) => {
      const src = (i + 0.5) / factor - 0.5;
      for (let p = Math.floor(src) - 1; p <= Math.floor(src) + 2; p++) add(symmetricIndex(p, n), keysCubic(src - p));
    });
  const out = new Float32Array(c * h * factor * w * factor);
  applySeparable(y.data, c, up(h), up(w), out);
  return { shape: [c, h * factor, w * factor], data: out };
}
