import { z } from 'zod';
import { defineNode } from '../define';
import { imageSource } from './sources';

/** A clean image (ground truth) or a real degraded photo, from a bundled sample or an upload. */
export default defineNode({
  type: 'spgd:input/load-image',
  version: 1,
  title: 'Load image',
  category: 'input',
  description: 'Loads a PNG or JPEG (a bundled sample or an upload), optionally resized and centre-cropped to a square.',
  inputs: [],
  outputs: [{ name: 'image', type: 'Image', label: 'Image' }],
  params: z.object({
    source: imageSource('sample:default').describe("a bundled sample ('sample:<name>') or an upload ('sha256:<hex>')"),
    size: z.number().int().min(0).max(1024).default(64).describe('side of the square it is resized and centre-cropped to, in px (0 = keep the image as it is)'),
  }),
  infer: (p, _inputs, described) => ({
    outputs: { image: p.size > 0 ? { channels: 3, height: p.size, width: p.size } : { channels: 3, ...described?.image } },
  }),
});
