import { defineNodeRun } from '../run';
import angles from './angles';

/** The charts are drawn by the editor from the sampler's trace events: nothing to compute here. */
export default defineNodeRun(angles, { run: () => ({}) });
