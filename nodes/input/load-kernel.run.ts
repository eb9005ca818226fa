import { SpgdError } from '../../lib/errors';
import { kernelFromArray } from '../../lib/operators/user-data';
import { defineNodeRun } from '../run';
import { describeSource } from './describe-source';
import loadKernel from './load-kernel';
import { missingUpload } from './sources';

export default defineNodeRun(loadKernel, {
  describe: async (p, env) => (p.source === '' ? { errors: missingUpload(p.source, 'kernel (PNG or .npy)') } : describeSource(p.source, 'kernel', env)),
  async run({ params: p, adapters }) {
    if (!adapters.loadArray) throw new SpgdError('BAD_INPUT', 'kernels cannot be loaded here');
    return { kernel: { kind: 'Kernel', tensor: kernelFromArray(await adapters.loadArray(p.source)) } };
  },
});
