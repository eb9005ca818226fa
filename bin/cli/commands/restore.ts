import { restore as runRestore } from '../../../lib/pipeline/restore';
import type { LinearOperator } from '../../../lib/operators/types';
import { parseFlags, parseMethod, parseNumber, parseSeed, parseSets, parseTask, required } from '../args';
import { UsageError } from '../errors';
import { readArray, readImage, writeArray } from '../files';
import { loadPrior } from '../prior';
import { progressReporter } from '../progress';

export const restoreHelp = `spgd restore --task <task> [--method spgd|dps|dps-ddim|ddim|diffpir] (--gt <img> | --measurement <y.npy|img>)
             --out <x.png|x.npy> [--seed 0] [--sigma-y 0.05] [--size px] [--prior default|<m.onnx>|gaussian]
             [--mask m.npy] [--kernel k.npy] [--set key=value ...] [--json] [--quiet]
  With --gt the measurement is simulated (seeded) and PSNR/SSIM are reported. With --measurement
  the operator is rebuilt from --mask/--kernel, or from --seed (the same seed as 'spgd degrade').
  --set overrides sampler parameters, e.g. --set eta=1.5 --set warmup=5 --set admApplied=false.`;

export async function restore(argv: string[]) {
  const f = parseFlags(argv, {
    task: { type: 'string' },
    method: { type: 'string' },
    gt: { type: 'string' },
    measurement: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    'sigma-y': { type: 'string' },
    size: { type: 'string' },
    prior: { type: 'string' },
    mask: { type: 'string' },
    kernel: { type: 'string' },
    set: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  const task = parseTask(f.task);
  const method = parseMethod(f.method);
  const out = required(f.out, 'out');
  if (!f.gt === !f.measurement) throw new UsageError('give exactly one of --gt and --measurement');
  const seed = parseSeed(f.seed);
  const sigmaY = parseNumber(f['sigma-y'], 'sigma-y', 0.05, (n) => n >= 0);
  const size = f.size === undefined ? undefined : parseNumber(f.size, 'size', 0, (n) => Number.isInteger(n) && n >= 8);
  const samplerParams = parseSets(f.set);
  const prior = await loadPrior(f.prior);

  const operatorState: LinearOperator['state'] = {};
  if (f.mask) operatorState.mask = readArray(f.mask, 'mask');
  if (f.kernel) operatorState.kernel = readArray(f.kernel, 'kernel');

  const groundTruth = f.gt ? readImage(f.gt, 'gt', size) : undefined;
  const measurement = f.measurement ? readArray(f.measurement, 'measurement') : undefined;
  if (measurement && (measurement.shape.length !== 3 || measurement.shape[0] !== 3)) {
    throw new UsageError(`--measurement must be [3, h, w], got [${measurement.shape.join(', ')}]`);
  }

  const progress = progressReporter(`${method} ${task}`, f.quiet || f.json);
  const outcome = await runRestore({
    task,
    method,
    prior,
    seed,
    sigmaY,
    samplerParams,
    groundTruth,
    measurement,
    operatorState,
    run: { onProgress: (p) => progress.update(p) },
  });
  progress.done();
  writeArray(out, 'out', outcome.result.sample);

  const summary = {
    task,
    method,
    seed,
    out,
    psnr: outcome.psnr ?? null,
    ssim: outcome.ssim ?? null,
    nfe: outcome.result.nfe.forward,
    vjp: outcome.result.nfe.vjp,
    seconds: outcome.result.seconds,
  };
  if (f.json) console.log(JSON.stringify(summary));
  else {
    const q = outcome.psnr === undefined ? 'no ground truth' : `PSNR ${outcome.psnr.toFixed(2)} dB, SSIM ${outcome.ssim!.toFixed(4)}`;
    console.log(`wrote ${out}: ${q}, ${summary.nfe} network calls (+${summary.vjp} VJPs), ${summary.seconds.toFixed(1)} s`);
  }
}
