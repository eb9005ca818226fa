import { z } from 'zod';
import { defineNode } from '../define';
import { modelSource } from '../input/sources';

/** An epsilon network in ONNX: the shipped default or an uploaded file. */
export default defineNode({
  type: 'spgd:prior/prior-unet',
  version: 1,
  title: 'Prior UNet',
  category: 'prior',
  description: 'A diffusion prior: an ONNX epsilon network eps(x, t) on the linear DDPM schedule. Its gradient is compiled from the ONNX graph.',
  inputs: [],
  outputs: [{ name: 'prior', type: 'Prior', label: 'Prior' }],
  params: z.object({
    model: modelSource().describe("'default' (the shipped prior), 'gaussian' (analytic, for checks) or 'sha256:<hex>' of an uploaded model"),
    timesteps: z.enum(['fractional', 'integer']).default('fractional').describe('integer: the network gets round(t), for models trained on integer timesteps only'),
  }),
  infer: (p) => ({ outputs: { prior: { channels: 3, sizeMultiple: p.model === 'gaussian' ? 1 : 8, model: p.model } } }),
});
