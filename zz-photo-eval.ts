// Quick quality probe: restore the sample photos with several configurations, PSNR vs the originals.
import { readFileSync } from 'node:fs';
import { decodeImage, imageToTensor } from './lib/image';
import { psnr, ssim } from './lib/metrics';
import { restoreImage } from './nodes/recipes';
import { openPrior } from './bin/cli/prior';
import { gaussianKernel, lineMotionKernel } from './lib/operators/gen/parametric-kernel';
import { greyPlane } from './lib/image';
const img = (p: string) => imageToTensor(decodeImage(readFileSync(p)));
const S = '/work/main/public/samples/', O = '/work/main/tests/fixtures/photos/';
const cases = JSON.parse(process.argv[2]);
const prior = await openPrior('default');
for (const c of cases) {
  const y = img(S + c.photo);
  const extra: Record<string, unknown> = {};
  if (c.mask) extra.mask = greyPlane(img(S + c.mask));
  if (c.kernel) extra.kernel = c.kernel.shape === 'gaussian' ? gaussianKernel(c.kernel.sigma) : lineMotionKernel(c.kernel.length, c.kernel.angle);
  const t0 = performance.now();
  const o = await restoreImage({ task: c.task, method: c.method, seed: 0, sigmaY: c.sigmaY ?? 0.01, model: 'default', samplerParams: c.set ?? {} }, { measurement: y, ...extra }, prior);
  const gt = img(O + c.orig);
  console.log(JSON.stringify({ ...c, kernel: undefined, psnr: +psnr(o.sample, gt).toFixed(2), ssim: +ssim(o.sample, gt).toFixed(4), residual: +(o.residual ?? NaN).toFixed(3), floor: +(Math.sqrt(y.data.length) * (c.sigmaY ?? 0.01)).toFixed(3), sec: +((performance.now() - t0) / 1000).toFixed(1) }));
}
