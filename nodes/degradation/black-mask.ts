import { z } from 'zod';
import { defineNode } from '../define';

/** The holes of a scanned or damaged photo where it is pure black, as an inpainting mask. */
export default defineNode({
  type: 'spgd:degradation/black-mask',
  version: 1,
  title: 'Mask from black pixels',
  category: 'degradation',
  description:
    'An inpainting mask from the photo itself: its pure-black pixels (every channel at or below the threshold, 0 = black, 255 = white) are missing, the rest kept. Wire the photo in and the mask into the Degrade operator with task "inpaint".',
  inputs: [{ name: 'measurement', type: 'Measurement', label: 'Photo' }],
  outputs: [{ name: 'mask', type: 'Mask', label: 'Mask' }],
  params: z.object({
    threshold: z.number().int().min(0).max(64).default(0).describe('8-bit level at or below which a pixel counts as black (0: exactly black)'),
  }),
  infer: (_p, inputs) => ({ outputs: { mask: { height: inputs.measurement?.height, width: inputs.measurement?.width } } }),
});
