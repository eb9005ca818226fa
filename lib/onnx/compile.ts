/**
 * The compiler's public entry point for the rest of the tree (server, command line, backends,
 * benchmarks): re-exports from the modules that implement each part.
 *
 *   signature.ts       what an epsilon network looks like (readEpsSignature)
 *   vjp-model.ts       the VJP model: eps and d(sum(eps * v))/dx in one run (compileVjpModel)
 *   gradient-model.ts  gradient models of any model, for finite-difference checks
 *   inspect.ts         model inspection: ops, parameters, FLOPs, differentiability (inspectModel)
 *   guidance.ts        the fused guidance model (imported from there directly)
 *   compiled-model.ts  what these compilers share (report stats, renaming, folding, closing)
 */
export { compileGradientModel, type GradientModel, type GradientModelOptions } from './gradient-model';
export { inspectModel, type ModelInspection } from './inspect';
export { readEpsSignature, type EpsSignature } from './signature';
export { compileVjpModel, type CompileOptions, type CompileReport } from './vjp-model';
