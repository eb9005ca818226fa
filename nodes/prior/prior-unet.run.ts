import { paddedEpsModel } from '../../lib/diffusion/padded';
import { vpDenoiser } from '../../lib/diffusion/vp';
import { defineNodeRun } from '../run';
import priorUnet, { sizeMultipleOf } from './prior-unet';

export default defineNodeRun(priorUnet, {
  // The caller's loadPrior keeps models (and bounds their memory); a cached output would outlive that.
  cacheable: false,
  async run({ params: p, adapters }) {
    const eps = paddedEpsModel(await adapters.loadPrior(p.model), sizeMultipleOf(p.model));
    const denoiser = vpDenoiser(eps, p.timesteps === 'integer' ? { roundTimesteps: true } : {});
    return { prior: { kind: 'Prior', model: p.model, eps, denoiser } };
  },
});
