export { psnr } from './psnr';
export { ssim } from './ssim';
