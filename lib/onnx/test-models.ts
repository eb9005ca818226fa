/**
 * Small hand-built epsilon-network-shaped models for tests, benchmarks and the backend probe
 * of `spgd worker` (server/queue/backend.ts):
 * eps(x [N,3,H,W], t [N]) -> [N, C, H, W].
 */
import { Rng } from '../rng';
import { attr } from './attrs';
import { ModelBuilder } from './builder';
import { DataType, type Dim } from './proto';

export interface TinyEpsOptions {
  outChannels?: number;
  tType?: 'float32' | 'int64';
  xName?: string;
  tName?: string;
  outName?: string;
  xChannels?: number;
  /** Extra nodes on the x path: receives (builder, h) and returns the new h. */
  xPath?: (b: ModelBuilder, h: string) => string;
  /** Extra nodes on the t path: receives (builder, tFloat [N]) and returns a [N] float. */
  tPath?: (b: ModelBuilder, t: string) => string;
  opset?: number;
  seed?: number;
}

function rand(n: number, seed: number, scale: number): number[] {
  const rng = new Rng(seed, 'test-models');
  return Array.from({ length: n }, () => scale * rng.normal());
}

/**
 * out = Conv3x3(x) * sigmoid(0.01 * t) (linear in x for a fixed t), with optional extra
 * nodes on either path.
 */
export function tinyEpsModel(o: TinyEpsOptions = {}): Uint8Array {
  const b = new ModelBuilder(o.opset ?? 17);
  const c = o.outChannels ?? 3;
  const xc = o.xChannels ?? 3;
  const x = b.input(o.xName ?? 'x', DataType.FLOAT, ['N', xc, 'H', 'W']);
  const t = b.input(o.tName ?? 't', o.tType === 'int64' ? DataType.INT64 : DataType.FLOAT, ['N']);
  const w = b.init('w', DataType.FLOAT, [c, xc, 3, 3], rand(c * xc * 9, o.seed ?? 1, 0.3));
  let h = b.node('Conv', [x, w], [attr.ints('pads', [1, 1, 1, 1])]);
  if (o.xPath) h = o.xPath(b, h);
  let tf = o.tType === 'int64' ? b.node('Cast', [t], [attr.int('to', DataType.FLOAT)]) : t;
  if (o.tPath) tf = o.tPath(b, tf);
  const s = b.node('Sigmoid', [b.node('Mul', [tf, b.init('k', DataType.FLOAT, [], [0.01])])]);
  const s4 = b.node('Unsqueeze', [s, b.init('ax', DataType.INT64, [3], [1, 2, 3])]);
  b.node('Mul', [h, s4], [], [o.outName ?? 'out']);
  b.output(o.outName ?? 'out', DataType.FLOAT, ['N', c, 'H', 'W'] as Dim[]);
  return b.build();
}

/**
 * A plain convolutional network (no attention) for timing: conv_in, `depth` stages of
 * [GroupNorm(8) via InstanceNormalization, SiLU, conv3x3] with AveragePool down and nearest up
 * at the middle, conv_out to 6 channels; t modulates every stage through a sigmoid gate.
 */
export function convNetModel(width = 64, depth = 8, seed = 3): Uint8Array {
  const b = new ModelBuilder(17);
  const x = b.input('x', DataType.FLOAT, ['N', 3, 'H', 'W']);
  const t = b.input('t', DataType.FLOAT, ['N']);
  let k = 0;
  const conv = (h: string, cin: number, cout: number) =>
    b.node('Conv', [h, b.init(`w${k}`, DataType.FLOAT, [cout, cin, 3, 3], rand(cout * cin * 9, seed + k, Math.sqrt(2 / (9 * cin)))), b.init(`b${k++}`, DataType.FLOAT, [cout], rand(cout, seed + 1000 + k, 0.01))], [
      attr.ints('pads', [1, 1, 1, 1]),
    ]);
  const gate = b.node('Unsqueeze', [b.node('Sigmoid', [b.node('Mul', [t, b.init('tk', DataType.FLOAT, [], [0.002])])]), b.init('tax', DataType.INT64, [3], [1, 2, 3])]);
  let h = conv(x, 3, width);
  for (let i = 0; i < depth; i++) {
    const g = b.node('Reshape', [h, b.init(`gs${i}`, DataType.INT64, [3], [0, 8, -1])]);
    const n = b.node('InstanceNormalization', [g, b.init(`one${i}`, DataType.FLOAT, [8], new Array(8).fill(1)), b.init(`zero${i}`, DataType.FLOAT, [8], new Array(8).fill(0))]);
    const back = b.node('Reshape', [n, b.node('Shape', [h])]);
    const act = b.node('Mul', [back, b.node('Sigmoid', [back])]);
    let y = conv(act, width, width);
    y = b.node('Mul', [y, gate]);
    h = b.node('Add', [h, y]);
    if (i === Math.floor(depth / 2) - 1) h = b.node('AveragePool', [h], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2])]);
    if (i === depth - 2) {
      h = b.node('Resize', [h, '', b.init('scales', DataType.FLOAT, [4], [1, 1, 2, 2])], [
        attr.string('mode', 'nearest'),
        attr.string('coordinate_transformation_mode', 'asymmetric'),
        attr.string('nearest_mode', 'floor'),
      ]);
    }
  }
  b.node('Mul', [conv(h, width, 6), b.init('outscale', DataType.FLOAT, [], [0.1])], [], ['out']);
  b.output('out', DataType.FLOAT, ['N', 6, 'H', 'W']);
  return b.build();
}
