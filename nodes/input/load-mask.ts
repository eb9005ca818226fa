import { z } from 'zod';
import { defineNode } from '../define';
import { arraySource } from './sources';

/** Which pixels of a photo are kept, for inpainting: a mask PNG (white = kept) or a .npy of 0/1. */
export default defineNode({
  type: 'spgd:input/load-mask',
  version: 1,
  title: 'Load mask',
  category: 'input',
  description: 'An inpainting mask the size of the photo: a PNG (white = kept, black = missing) or a .npy [H, W] of 1 (kept) and 0 (missing). Wire it into the Degrade operator.',
  inputs: [],
  outputs: [{ name: 'mask', type: 'Mask', label: 'Mask' }],
  params: z.object({ source: arraySource().describe('the mask upload') }),
  infer: (_p, _inputs, described) => ({ outputs: { mask: { ...described?.mask } } }),
});
