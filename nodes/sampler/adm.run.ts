import { defineNodeRun } from '../run';
import { bundleRun } from './bundle-run';
import adm from './adm';

export default defineNodeRun(adm, bundleRun('momentum', 'Momentum'));
