import { z } from 'zod';
import { defineNode } from '../define';

/** Writes the result as a PNG with the graph document embedded, so dropping it back restores the graph. */
export default defineNode({
  type: 'spgd:output/save-image',
  version: 1,
  title: 'Save image',
  category: 'output',
  description: 'A PNG of the image with the graph document embedded in a text chunk.',
  inputs: [{ name: 'image', type: 'Image', label: 'Image' }],
  outputs: [],
  params: z.object({ filename: z.string().min(1).max(200).default('restored.png').describe('name of the downloaded PNG') }),
});
