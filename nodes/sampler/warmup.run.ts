import { defineNodeRun } from '../run';
import { bundleRun } from './bundle-run';
import warmup from './warmup';

export default defineNodeRun(warmup, bundleRun('warmup', 'Warmup'));
