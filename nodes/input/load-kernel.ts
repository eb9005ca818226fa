import { z } from 'zod';
import { defineNode } from '../define';
import { arraySource } from './sources';

/** A blur kernel the user has (measured or estimated), for deblurring. */
export default defineNode({
  type: 'spgd:input/load-kernel',
  version: 1,
  title: 'Load kernel',
  category: 'input',
  description: 'A blur kernel: a PNG (grey levels) or a .npy [k, k], odd sizes; made non-negative and normalised to sum 1. Wire it into the Degrade operator.',
  inputs: [],
  outputs: [{ name: 'kernel', type: 'Kernel', label: 'Kernel' }],
  params: z.object({ source: arraySource().describe('the kernel upload') }),
  infer: (_p, _inputs, described) => ({ outputs: { kernel: { ...described?.kernel } } }),
});
