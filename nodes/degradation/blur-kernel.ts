import { z } from 'zod';
import { defineNode } from '../define';

/** A blur kernel from a few numbers: a Gaussian, or a straight camera shake. */
export default defineNode({
  type: 'spgd:degradation/blur-kernel',
  version: 1,
  title: 'Blur kernel',
  category: 'degradation',
  description:
    'A blur kernel for deblurring a photo whose blur you know or can guess: a Gaussian of std sigma, or a straight motion of a length (px) at an angle (degrees, counter-clockwise from horizontal). Wire it into the Degrade operator with task "blur".',
  inputs: [],
  outputs: [{ name: 'kernel', type: 'Kernel', label: 'Kernel' }],
  params: z.object({
    shape: z.enum(['gaussian', 'motion']).default('gaussian').describe('gaussian: out-of-focus or soft blur; motion: a straight shake'),
    sigma: z.number().min(0.3).max(15).default(1.5).describe('Gaussian std in px (the kernel spans 4 sigma each side)'),
    length: z.number().min(1).max(61).default(9).describe('motion length in px'),
    angle: z.number().min(-180).max(180).default(0).describe('motion direction in degrees, counter-clockwise from horizontal'),
  }),
  infer: (p) => {
    const side = p.shape === 'gaussian' ? 2 * Math.floor(4 * p.sigma + 0.5) + 1 : 2 * (Math.ceil(p.length / 2) + 1) + 1;
    return { outputs: { kernel: { height: side, width: side } } };
  },
});
