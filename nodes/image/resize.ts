import { z } from 'zod';
import { defineNode } from '../define';

/** Brings an image to the size a graph needs: resize, centre-crop, or both. */
export default defineNode({
  type: 'spgd:image/resize',
  version: 1,
  title: 'Resize / crop image',
  category: 'image',
  description:
    'Scales and crops an image to width x height: "cover" scales it to cover the size and centre-crops the rest, "stretch" resizes to exactly that size, "crop" centre-crops without scaling. Downscaling averages areas; upscaling is bilinear.',
  inputs: [{ name: 'image', type: 'Image', label: 'Image' }],
  outputs: [{ name: 'image', type: 'Image', label: 'Image' }],
  params: z.object({
    width: z.number().int().min(1).max(4096).default(128).describe('output width in px'),
    height: z.number().int().min(1).max(4096).default(128).describe('output height in px'),
    mode: z.enum(['cover', 'stretch', 'crop']).default('cover').describe('cover: scale then centre-crop; stretch: resize, aspect not kept; crop: centre-crop only'),
  }),
  infer: (p, inputs) => {
    const img = inputs.image;
    const errors =
      p.mode === 'crop' && img?.height && img.width && (img.height < p.height || img.width < p.width)
        ? [`the image is ${img.width}x${img.height}, smaller than the ${p.width}x${p.height} crop`]
        : [];
    return { outputs: { image: { channels: img?.channels ?? 3, height: p.height, width: p.width } }, errors };
  },
});
