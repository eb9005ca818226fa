import { defineNodeRun } from '../run';
import { describeSource } from './describe-source';
import loadMeasurement from './load-measurement';

export default defineNodeRun(loadMeasurement, {
  describe: (p, env) => describeSource(p.source, 'measurement', env, 3),
  async run({ params: p, adapters }) {
    return { measurement: { kind: 'Measurement', y: await adapters.loadImage(p.source), sigmaY: p.sigmaY } };
  },
});
