/** ReduceSum: dx = Expand(g reshaped with kept dims, shape(x)). */
import { reduceCheck, reduceGrad } from './ReduceMean';
import type { VjpRule } from './types';

export const ReduceSum: VjpRule = { vjp: (ctx) => reduceGrad(ctx, false), check: reduceCheck };
