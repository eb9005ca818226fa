/**
 * The one table of VJP rules: ONNX op type -> rule | 'zero' | 'unsupported'.
 * One file per op type (`<OpType>.ts`); ops may share a rule (Add/Sub, Reshape-like ops).
 * An op type missing from this table on the image-to-output path is a compile-time
 * UnsupportedOpError, as is 'unsupported'.
 */
import { Add } from './Add';
import { AveragePool } from './AveragePool';
import { BatchNormalization } from './BatchNormalization';
import { Cast } from './Cast';
import { Clip } from './Clip';
import { Concat } from './Concat';
import { Conv } from './Conv';
import { Div } from './Div';
import { Einsum } from './Einsum';
import { Erf } from './Erf';
import { Exp } from './Exp';
import { Expand } from './Expand';
import { Flatten } from './Flatten';
import { Gather } from './Gather';
import { Gemm } from './Gemm';
import { GroupNormalization } from './GroupNormalization';
import { Identity } from './Identity';
import { InstanceNormalization } from './InstanceNormalization';
import { LayerNormalization } from './LayerNormalization';
import { LeakyRelu } from './LeakyRelu';
import { Log } from './Log';
import { LogSoftmax } from './LogSoftmax';
import { MatMul } from './MatMul';
import { Mul } from './Mul';
import { Neg } from './Neg';
import { Pad } from './Pad';
import { Pow } from './Pow';
import { ReduceMean } from './ReduceMean';
import { ReduceSum } from './ReduceSum';
import { Relu } from './Relu';
import { Reshape } from './Reshape';
import { Resize } from './Resize';
import { Sigmoid } from './Sigmoid';
import { Slice } from './Slice';
import { Softmax } from './Softmax';
import { Split } from './Split';
import { Sqrt } from './Sqrt';
import { Squeeze } from './Squeeze';
import { Sub } from './Sub';
import { Tanh } from './Tanh';
import { Transpose } from './Transpose';
import type { VjpEntry } from './types';
import { Unsqueeze } from './Unsqueeze';
import { Where } from './Where';

export const VJP_RULES: Readonly<Record<string, VjpEntry>> = {
  // Arithmetic (broadcasting)
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  Neg,
  // Pointwise nonlinearities
  Sigmoid,
  Relu,
  LeakyRelu,
  Tanh,
  Sqrt,
  Exp,
  Log,
  Erf,
  Clip,
  Where,
  // Convolution, pooling, resampling
  Conv,
  AveragePool,
  Resize,
  // Normalization
  InstanceNormalization,
  GroupNormalization,
  LayerNormalization,
  BatchNormalization,
  // Linear algebra
  Gemm,
  MatMul,
  Einsum,
  Softmax,
  LogSoftmax,
  ReduceMean,
  ReduceSum,
  // Data movement
  Reshape,
  Flatten,
  Squeeze,
  Unsqueeze,
  Transpose,
  Expand,
  Concat,
  Split,
  Slice,
  Pad,
  Gather,
  Identity,
  Dropout: Identity,
  Cast,
  // No gradient flows through these (shape queries, constants, comparisons used as masks)
  Shape: 'zero',
  Size: 'zero',
  Constant: 'zero',
  ConstantOfShape: 'zero',
  Range: 'zero',
  Equal: 'zero',
  Less: 'zero',
  Greater: 'zero',
  LessOrEqual: 'zero',
  GreaterOrEqual: 'zero',
  Not: 'zero',
  And: 'zero',
  Or: 'zero',
  Xor: 'zero',
  IsNaN: 'zero',
  IsInf: 'zero',
  // Piecewise constant or random: refusing is safer than a silent zero gradient
  ArgMax: 'unsupported',
  ArgMin: 'unsupported',
  Round: 'unsupported',
  Floor: 'unsupported',
  Ceil: 'unsupported',
  Sign: 'unsupported',
  Hardmax: 'unsupported',
  TopK: 'unsupported',
  NonZero: 'unsupported',
  RandomNormalLike: 'unsupported',
  RandomUniformLike: 'unsupported',
  Bernoulli: 'unsupported',
  Multinomial: 'unsupported',
  QuantizeLinear: 'unsupported',
  DequantizeLinear: 'unsupported',
};
