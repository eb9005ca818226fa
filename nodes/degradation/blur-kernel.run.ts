import { gaussianKernel, lineMotionKernel } from '../../lib/operators/gen/parametric-kernel';
import { defineNodeRun } from '../run';
import blurKernel from './blur-kernel';

export default defineNodeRun(blurKernel, {
  run: ({ params: p }) => ({ kernel: { kind: 'Kernel', tensor: p.shape === 'gaussian' ? gaussianKernel(p.sigma) : lineMotionKernel(p.length, p.angle) } }),
});
