import { z } from 'zod';
import { defineNode } from '../define';

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
    /** 'sample:<name>' for a bundled image, or 'sha256:<hex>' for an upload. */
    source: z.string().min(1).default('sample:default'),
    /** Side of the square crop in px (0 = keep the image as it is). */
    size: z.number().int().min(0).max(1024).default(64),
  }),
  infer: (p) => ({ outputs: { image: p.size > 0 ? { channels: 3, height: p.size, width: p.size } : { channels: 3 } } }),
});
