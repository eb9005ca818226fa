import { readFileSync } from 'node:fs';
import { inspectModel } from '../../../lib/onnx/compile';
import { decodeModel } from '../../../lib/onnx/proto';
import { tensor, type Tensor } from '../../../lib/tensor';
import { parseFlags, parseNumber, required } from '../args';
import { UsageError } from '../errors';
import { readArray, writeArray } from '../files';
import { loadOnnxModel } from '../prior';

export const priorHelp = `spgd prior vjp --model <m.onnx> --x <x.npy> --t <float> --v <v.npy> --out <g.npy> [--eps-out <e.npy>]
  The compiled network gradient: g = d(sum(eps(x, t)[:, :3] * v))/dx, for x and v float32 [1, 3, H, W].
spgd prior inspect --model <m.onnx> [--size 256] [--json]
  Inputs, outputs, op histogram, parameters, GFLOP per forward at size x size, and whether every op
  on the x path can be differentiated.`;

/** [1, 3, H, W] or [3, H, W] from a .npy file, as the engine's [3, H, W]. */
function readImageArray(path: string, flag: string): { t: Tensor; batched: boolean } {
  const a = readArray(path, flag);
  const s = a.shape;
  if (s.length === 4 && s[0] === 1 && s[1] === 3) return { t: tensor(s.slice(1), a.data), batched: true };
  if (s.length === 3 && s[0] === 3) return { t: a, batched: false };
  throw new UsageError(`--${flag} ${path}: expected float32 [1, 3, H, W], got [${s.join(', ')}]`);
}

async function vjp(argv: string[]) {
  const f = parseFlags(argv, {
    model: { type: 'string' },
    x: { type: 'string' },
    t: { type: 'string' },
    v: { type: 'string' },
    out: { type: 'string' },
    'eps-out': { type: 'string' },
  });
  const model = await loadOnnxModel(required(f.model, 'model'), 'model');
  const x = readImageArray(required(f.x, 'x'), 'x');
  const v = readImageArray(required(f.v, 'v'), 'v');
  const t = parseNumber(required(f.t, 't'), 't', 0, (n) => n >= 0 && n <= 999);
  const { out, vjp: g } = await model.vjp(x.t, t, v.t);
  const withBatch = (a: Tensor) => (x.batched ? tensor([1, ...a.shape], a.data) : a);
  writeArray(required(f.out, 'out'), 'out', withBatch(g));
  if (f['eps-out']) writeArray(f['eps-out'], 'eps-out', withBatch(out.eps));
  console.log(`wrote ${f.out}${f['eps-out'] ? ` and ${f['eps-out']}` : ''}`);
}

function inspect(argv: string[]): void {
  const f = parseFlags(argv, { model: { type: 'string' }, size: { type: 'string' }, json: { type: 'boolean' } });
  const path = required(f.model, 'model');
  const size = parseNumber(f.size, 'size', 256, (n) => Number.isInteger(n) && n >= 8);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new UsageError(`--model ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let info;
  try {
    info = inspectModel(decodeModel(bytes), { height: size, width: size });
  } catch (e) {
    throw new UsageError(`--model ${path}: not a readable ONNX model (${(e as Error).message.split('\n')[0]})`);
  }
  if (f.json) {
    console.log(JSON.stringify(info));
    return;
  }
  const dims = (s: (number | string | null)[] | null) => (s ? `[${s.map((d) => d ?? '?').join(', ')}]` : '?');
  const lines = [
    `model       ${path} (opset ${info.opset}, ${info.producer || 'unknown producer'})`,
    ...info.inputs.map((i) => `input       ${i.name} ${i.dtype} ${dims(i.shape)}`),
    ...info.outputs.map((o) => `output      ${o.name} ${o.dtype} ${dims(o.shape)}`),
    `parameters  ${info.parameterCount.toLocaleString('en-US')}`,
    `forward     ${(info.flops / 1e9).toFixed(2)} GFLOP at ${size}x${size} (${Object.entries(info.flopsByOp)
      .map(([k, v]) => `${k} ${(v / 1e9).toFixed(2)}`)
      .join(', ')})`,
    `ops         ${Object.entries(info.opHistogram)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    info.nonDifferentiable.length === 0
      ? 'gradient    every op on the x path is differentiable'
      : `gradient    NOT differentiable: ${info.nonDifferentiable.map((n) => `${n.opType} (${n.nodeName})`).join(', ')}`,
    ...info.problems.map((p) => `problem     ${p}`),
  ];
  console.log(lines.join('\n'));
}

export async function prior(argv: string[]) {
  const sub = argv.at(0);
  const rest = argv.slice(1);
  if (sub === 'vjp') return vjp(rest);
  if (sub === 'inspect') {
    inspect(rest);
    return;
  }
  throw new UsageError(`unknown 'spgd prior' command '${sub ?? ''}' (vjp, inspect)`);
}
