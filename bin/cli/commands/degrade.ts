import { createOperator, simulateMeasurement } from '../../../lib/operators';
import { Rng } from '../../../lib/rng';
import { parseFlags, parseNumber, parseSeed, parseSize, parseTask, required } from '../args';
import { UsageError } from '../errors';
import { readImage, writeArray } from '../files';

export const degradeHelp = `spgd degrade --task <task> --input <gt.png> --out <y.npy|y.png>
             [--sigma-y 0.05] [--seed 0] [--size px] [--mask-out m.npy] [--kernel-out k.npy]
  Simulate a measurement y = A(x) + sigma_y n. .npy output is float32 in [-1, 1], shape [3, h, w];
  the mask is [h, w] with 1 = observed, the kernel [61, 61].`;

export function degrade(argv: string[]): void {
  const f = parseFlags(argv, {
    task: { type: 'string' },
    input: { type: 'string' },
    out: { type: 'string' },
    'sigma-y': { type: 'string' },
    seed: { type: 'string' },
    size: { type: 'string' },
    'mask-out': { type: 'string' },
    'kernel-out': { type: 'string' },
    json: { type: 'boolean' },
  });
  const task = parseTask(f.task);
  const out = required(f.out, 'out');
  const sigmaY = parseNumber(f['sigma-y'], 'sigma-y', 0.05, (n) => n >= 0);
  const seed = parseSeed(f.seed);
  const size = parseSize(f.size);
  const x = readImage(required(f.input, 'input'), 'input', size);

  const op = createOperator(task, x.shape, {}, new Rng(seed, 'operator'));
  const y = simulateMeasurement(op, x, sigmaY, new Rng(seed, 'measurement'));
  writeArray(out, 'out', y);
  if (f['mask-out']) {
    if (!op.state.mask) throw new UsageError(`--mask-out: ${task} has no mask (only the inpainting tasks do)`);
    writeArray(f['mask-out'], 'mask-out', op.state.mask);
  }
  if (f['kernel-out']) {
    if (!op.state.kernel) throw new UsageError(`--kernel-out: ${task} has no kernel (only the blur tasks do)`);
    writeArray(f['kernel-out'], 'kernel-out', op.state.kernel);
  }
  const summary = { task, seed, sigmaY, inShape: x.shape, outShape: y.shape, out };
  if (f.json) console.log(JSON.stringify(summary));
  else console.log(`wrote ${out}: ${task} of a ${x.shape[2]}x${x.shape[1]} image, measurement ${y.shape[2]}x${y.shape[1]}, sigma_y ${sigmaY}, seed ${seed}`);
}
