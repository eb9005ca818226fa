import { defineNodeRun } from '../run';
import { bundleRun } from './bundle-run';
import schedule from './schedule';

export default defineNodeRun(schedule, bundleRun('schedule', 'Schedule'));
