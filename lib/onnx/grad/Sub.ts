/** Sub: dA = unbroadcast(g), dB = unbroadcast(-g) (shares the Add rule). */
import { addSubRule } from './Add';
import type { VjpRule } from './types';

export const Sub: VjpRule = addSubRule(-1);
