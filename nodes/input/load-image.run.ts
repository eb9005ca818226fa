import { fitToSquare } from '../../lib/image';
import { defineNodeRun } from '../run';
import { describeSource } from './describe-source';
import loadImage from './load-image';

export default defineNodeRun(loadImage, {
  describe: (p, env) => describeSource(p.source, 'image', env, 3),
  async run({ params: p, adapters }) {
    const t = await adapters.loadImage(p.source);
    return { image: { kind: 'Image', tensor: p.size > 0 ? fitToSquare(t, p.size) : t } };
  },
});
