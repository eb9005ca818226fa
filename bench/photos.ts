/**
 * The photo presets on their bundled sample photos, scored against the clean originals
 * (tests/fixtures/photos/), next to the classical estimate and the naive answer (nearest-neighbour
 * upsampling, the holes left black, the blurry photo itself): PSNR / SSIM, ||A x - y|| against the
 * noise floor, seconds. Writes bench/results/photos.md.
 *
 *   npm run bench:photos [-- --presets builtin-photo-sr-x4,builtin-photo-inpaint]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { cpus, loadavg } from 'node:os';
import { psnr, ssim } from '../lib/metrics';
import type { RunMetrics } from '../lib/plan/types';
import { tensor, type Tensor } from '../lib/tensor';
import { PHOTO_CASES, runPhotoCase } from './support/photo-presets';

const { values } = parseArgs({ options: { presets: { type: 'string' }, out: { type: 'string', default: 'bench/results/photos.md' } } });
const wanted = values.presets?.split(',');

/** Nearest-neighbour upsampling of [C, h, w] to [C, H, W]. */
function nearest(y: Tensor, h: number, w: number): Tensor {
  const [c, yh, yw] = y.shape;
  const out = new Float32Array(c * h * w);
  for (let k = 0; k < c; k++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[(k * h + i) * w + j] = y.data[(k * yh + Math.floor((i * yh) / h)) * yw + Math.floor((j * yw) / w)];
  return tensor([c, h, w], out);
}

const fmtM = (m: RunMetrics) => `${m.residual?.toFixed(2) ?? 'n/a'} / ${m.noiseFloor?.toFixed(2) ?? 'n/a'}`;
const rows: string[] = [];
for (const c of PHOTO_CASES.filter((x) => !wanted || wanted.includes(x.preset))) {
  const { truth, y, preset: restored, classical: classic } = await runPhotoCase(c);
  const naive = y.shape[1] === truth.shape[1] ? y : nearest(y, truth.shape[1], truth.shape[2]);
  const cell = (x: Tensor) => `${psnr(x, truth).toFixed(2)} / ${ssim(x, truth).toFixed(4)}`;
  rows.push(
    `| ${c.preset} | ${y.shape[2]}x${y.shape[1]} -> ${truth.shape[2]}x${truth.shape[1]} | **${cell(restored.x)}** | ${cell(classic.x)} | ${cell(naive)} (${c.naive}) | ${fmtM(restored.metrics)} | ${fmtM(classic.metrics)} | ${restored.nfe.forward} | ${restored.seconds.toFixed(1)} |`,
  );
  console.error(rows.at(-1));
}

const md = `# Photo presets on their sample photos

- date ${new Date().toISOString()}; machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores (shared; load average ${loadavg()
  .map((l) => l.toFixed(1))
  .join(' / ')} at the end); \`npm run bench:photos\`
- each preset on its bundled degraded photo (\`public/samples/photo-*.png\`, noise 0.01), scored against the clean original
  (\`tests/fixtures/photos/\`); "classical" is the same graph with the Classical estimate node as the sampler. PSNR dB / SSIM.
- ||A x - y|| / noise floor: the data residual of the result against sqrt(m) sigma_y, what a perfect restoration leaves
  (on the kept pixels only for inpainting). Seconds: the sampler's own time, on the shared machine.

| preset | photo -> restored | preset | classical | naive | ||A x - y|| / floor (preset) | (classical) | NFE | seconds |
|---|---|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}
`;
writeFileSync(values.out, md);
console.log(md);
