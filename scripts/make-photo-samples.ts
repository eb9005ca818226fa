/**
 * Makes the degraded sample photos of the photo presets (public/samples/photo-*.png) and their
 * clean originals (tests/fixtures/photos/*.png), from scikit-image's free-licence sample images
 * as Debian's python3-skimage ships them (licences: public/samples/README.md). Deterministic:
 * the degradations are the engine's own operators and seeded noise.
 *
 *   npx tsx scripts/make-photo-samples.ts [--skimage /usr/lib/python3/dist-packages/skimage/data]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { centerCrop, decodeImage, encodePng, imageToTensor, resize, tensorToImage } from '../lib/image';
import { operatorFromState, simulateMeasurement } from '../lib/operators';
import { gaussianKernel, lineMotionKernel } from '../lib/operators/gen/parametric-kernel';
import type { OperatorState } from '../lib/operators/types';
import { Rng } from '../lib/rng';
import type { Tensor } from '../lib/tensor';

const { values } = parseArgs({ options: { skimage: { type: 'string', default: '/usr/lib/python3/dist-packages/skimage/data' } } });
const SKIMAGE = values.skimage ?? '';
const SAMPLES = new URL('../public/samples/', import.meta.url).pathname;
const ORIGINALS = new URL('../tests/fixtures/photos/', import.meta.url).pathname;
/** Noise of the degraded photos (std on [-1, 1]): about 1.3 grey levels. */
const SIGMA_Y = 0.01;

/** A centre crop of `file` to the aspect of w x h, resized (area averaging) to w x h. */
function original(file: string, w: number, h: number): Tensor {
  const t = imageToTensor(decodeImage(readFileSync(join(SKIMAGE, file))));
  const [, H, W] = t.shape;
  const scale = Math.min(H / h, W / w);
  return resize(centerCrop(t, Math.round(h * scale), Math.round(w * scale)), h, w);
}

/** Thick scratches and a hole, 1 = kept: what a damaged print looks like. */
function scratchMask(w: number, h: number): Float32Array {
  const m = new Float32Array(w * h).fill(1);
  const stroke = (x0: number, y0: number, x1: number, y1: number, bend: number, radius: number) => {
    for (let s = 0; s <= 400; s++) {
      const u = s / 400;
      const x = x0 + u * (x1 - x0) + bend * Math.sin(Math.PI * u);
      const y = y0 + u * (y1 - y0);
      for (let i = Math.floor(y - radius); i <= Math.ceil(y + radius); i++) {
        for (let j = Math.floor(x - radius); j <= Math.ceil(x + radius); j++) {
          if (i >= 0 && i < h && j >= 0 && j < w && (i - y) ** 2 + (j - x) ** 2 <= radius * radius) m[i * w + j] = 0;
        }
      }
    }
  };
  stroke(20, 5, 60, 128, 14, 1.6);
  stroke(150, 10, 95, 125, -10, 1.2);
  stroke(5, 70, 165, 90, 0, 1.0);
  stroke(118, 40, 122, 52, 0, 6); // a hole
  return m;
}

function write(dir: string, name: string, t: Tensor): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), encodePng(tensorToImage(t)));
  console.log(`wrote ${join(dir, name)} (${t.shape[2]}x${t.shape[1]})`);
}

function degrade(task: string, x: Tensor, state: OperatorState, seed: number): Tensor {
  const op = operatorFromState(task, x.shape, {}, state);
  return simulateMeasurement(op, x, SIGMA_Y, new Rng(seed, 'measurement'));
}

// Super-resolution: a 50x37 photo of a 200x148 original.
const cup = original('coffee.png', 200, 148);
write(ORIGINALS, 'coffee-200x148.png', cup);
write(SAMPLES, 'photo-lowres.png', degrade('sr-x4', cup, {}, 1));

// Inpainting: a 170x134 print with scratches and a hole, black where damaged, and its mask.
const cat = original('chelsea.png', 170, 134);
write(ORIGINALS, 'chelsea-170x134.png', cat);
const mask = scratchMask(170, 134);
const damaged = degrade('inpaint', cat, { mask: { shape: [134, 170], data: mask } }, 2);
for (let k = 0; k < 3; k++) for (let p = 0; p < mask.length; p++) if (mask[p] === 0) damaged.data[k * mask.length + p] = -1;
write(SAMPLES, 'photo-scratched.png', damaged);
write(SAMPLES, 'photo-scratched-mask.png', { shape: [3, 134, 170], data: Float32Array.from({ length: 3 * mask.length }, (_, i) => 2 * mask[i % mask.length] - 1) });

// Deblurring: out of focus (Gaussian, std 1.5 px) and camera shake (9 px at 30 degrees).
const face = original('astronaut.png', 128, 96);
write(ORIGINALS, 'astronaut-128x96.png', face);
write(SAMPLES, 'photo-soft.png', degrade('blur', face, { kernel: gaussianKernel(1.5) }, 3));
const rocket = original('rocket.jpg', 128, 96);
write(ORIGINALS, 'rocket-128x96.png', rocket);
write(SAMPLES, 'photo-shaken.png', degrade('blur', rocket, { kernel: lineMotionKernel(9, 30) }, 4));
