import { SpgdError } from '../../lib/errors';
import { maskFromArray } from '../../lib/operators/user-data';
import { defineNodeRun } from '../run';
import { describeSource } from './describe-source';
import loadMask from './load-mask';
import { missingUpload } from './sources';

export default defineNodeRun(loadMask, {
  describe: async (p, env) => (p.source === '' ? { errors: missingUpload(p.source, 'mask (PNG or .npy)') } : describeSource(p.source, 'mask', env)),
  async run({ params: p, adapters }) {
    if (!adapters.loadArray) throw new SpgdError('BAD_INPUT', 'masks cannot be loaded here');
    return { mask: { kind: 'Mask', tensor: maskFromArray(await adapters.loadArray(p.source)) } };
  },
});
