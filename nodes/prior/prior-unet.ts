import { z } from 'zod';
import { defineNode } from '../define';
import { modelSource } from '../input/sources';

/**
 * The stride of a network's input: a UNet with three downsamplings takes multiples of 8 (other
 * sizes are reflect-padded around each call, lib/diffusion/padded.ts); the analytic prior takes any.
 */
export function sizeMultipleOf(model: string): number {
  return model === 'gaussian' ? 1 : 8;
}

/** An epsilon network in ONNX: the shipped default or an uploaded file. */
export default defineNode({
  type: 'spgd:prior/prior-unet',
  version: 1,
  title: 'Prior UNet',
  category: 'prior',
  description:
    'A diffusion prior: an ONNX epsilon network eps(x, t) on the linear DDPM schedule. Its gradient is compiled from the ONNX graph. Images of any size: sizes that are not multiples of its stride are padded for the network and cropped back.',
  inputs: [],
  outputs: [{ name: 'prior', type: 'Prior', label: 'Prior' }],
  params: z.object({
    model: modelSource().describe("'default' (the shipped prior), 'gaussian' (analytic, for checks) or 'sha256:<hex>' of an uploaded model"),
    timesteps: z.enum(['fractional', 'integer']).default('fractional').describe('integer: the network gets round(t), for models trained on integer timesteps only'),
  }),
  infer: (p) => ({ outputs: { prior: { channels: 3, sizeMultiple: sizeMultipleOf(p.model), model: p.model } } }),
});
