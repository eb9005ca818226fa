import { describe, expect, it } from 'vitest';
import { psnr, ssim } from '../../lib/metrics';
import { PHOTO_CASES, runPhotoCase } from './photo-presets';

describe('photo presets with the shipped prior, on their bundled photos', () => {
  // The mean of 4 DDNM+ samples leads the classical answer by 3.0 dB (out of focus) and 2.2 dB
  // (4x SR) here, one sample by 2.3 and 1.8; DiffPIR, which these presets ran before, by 1.1 and
  // 1.0 (bench/results/photos.md). The other two photo presets are measured by
  // `npm run bench:photos` only.
  for (const id of ['builtin-photo-deblur-gaussian', 'builtin-photo-sr-x4']) {
    it(`${id} beats the classical estimate of the same graph by >= 1.5 dB and on SSIM`, async () => {
      const { truth, preset, classical } = await runPhotoCase(PHOTO_CASES.find((c) => c.preset === id)!);
      expect(preset.x.shape).toEqual(truth.shape);
      expect(psnr(preset.x, truth) - psnr(classical.x, truth)).toBeGreaterThanOrEqual(1.5);
      expect(ssim(preset.x, truth)).toBeGreaterThan(ssim(classical.x, truth));
    }, 180_000); // 12-18 s of sampling alone on 2 free cores
  }
});
