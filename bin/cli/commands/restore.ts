import { restoreImage, type RestorationInputs } from '../../../nodes/recipes';
import { parseFlags, parseInit, parseMethod, parseNumber, parseSeed, parseSets, parseSize, parseTask, required } from '../args';
import { METHODS } from '../../../lib/samplers';
import { UsageError } from '../errors';
import { checkOutput, readArray, readImage, readPlane, writeArray } from '../files';
import { openPrior } from '../prior';
import { progressReporter } from '../progress';
import { CliSpeed } from '../speed';

export const restoreHelp = `spgd restore --task <task> [--method ${METHODS.join('|')}] (--gt <img> | --measurement <y.npy|img>)
             --out <x.png|x.npy> [--seed 0] [--sigma-y 0.05] [--size px] [--prior default|<m.onnx>|gaussian]
             [--mask m.npy|m.png] [--kernel k.npy|k.png] [--set key=value ...] [--init <method>] [--json] [--quiet]
  With --gt the measurement is simulated (seeded) and PSNR/SSIM are reported. With --measurement
  the operator is rebuilt from --mask (white = kept) / --kernel, or from --seed (the same seed as
  'spgd degrade'). --set overrides sampler parameters, e.g. --set eta=1.5 --set warmup=5;
  --set samples=4 returns the mean of 4 samples, --set sigmaStart=2 starts warm from the
  classical estimate at noise level 2; --init ddnm starts it from a DDNM+ restoration instead
  (spgd-mean already does on the blurs and sr-x4; --init classical goes back).
  Runs as a graph (Load image / Load measurement, Degrade, Simulate, Prior, the method's sampler).`;

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
    init: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  const task = parseTask(f.task);
  const method = parseMethod(f.method);
  const out = required(f.out, 'out');
  checkOutput(out, 'out', ['.png', '.npy']);
  if (!f.gt === !f.measurement) throw new UsageError('give exactly one of --gt and --measurement');
  if (f.gt && (f.mask || f.kernel)) throw new UsageError('--mask and --kernel go with --measurement (with --gt they are drawn from --seed)');
  const seed = parseSeed(f.seed);
  const sigmaY = parseNumber(f['sigma-y'], 'sigma-y', 0.05, (n) => n >= 0 && n <= 1);
  const size = parseSize(f.size);
  const samplerParams = parseSets(f.set);
  const initMethod = parseInit(f.init, method, task, sigmaY, samplerParams);

  const inputs: RestorationInputs = {};
  if (f.gt) {
    inputs.groundTruth = readImage(f.gt, 'gt');
    inputs.size = size;
  } else {
    const y = readArray(required(f.measurement, 'measurement'), 'measurement');
    if (y.shape.length !== 3 || y.shape[0] !== 3) throw new UsageError(`--measurement must be [3, h, w], got [${y.shape.join(', ')}]`);
    inputs.measurement = y;
    if (f.mask) inputs.mask = readPlane(f.mask, 'mask');
    if (f.kernel) inputs.kernel = readPlane(f.kernel, 'kernel');
  }
  const prior = await openPrior(f.prior);

  const progress = progressReporter(`${method} ${task}`, f.quiet || f.json);
  const speed = new CliSpeed(prior, !!f.quiet);
  let estimateSeconds = 0;
  const o = await restoreImage({ task, method, seed, sigmaY, model: prior.model, samplerParams, ...(initMethod ? { initMethod } : {}) }, inputs, prior, {
    onPlan: async (plan) => {
      estimateSeconds = await speed.estimate(plan);
    },
    onEvent: (e) => {
      if (e.type === 'progress') progress.update(e);
    },
  });
  progress.done();
  speed.learn(o);
  speed.save();
  writeArray(out, 'out', o.sample);

  const summary = {
    task,
    method,
    seed,
    out,
    psnr: o.psnr ?? null,
    ssim: o.ssim ?? null,
    residual: o.residual,
    nfe: o.nfe.forward,
    vjp: o.nfe.vjp,
    seconds: o.seconds,
    /** The whole graph's measured and estimated seconds (the editor's estimator, this machine's speeds). */
    totalSeconds: Object.values(o.nodeSeconds).reduce((a, b) => a + b, 0),
    estimateSeconds,
  };
  if (f.json) console.log(JSON.stringify(summary));
  else {
    const q =
      o.psnr === undefined || o.ssim === undefined ? `no ground truth, ||A x - y|| ${o.residual?.toPrecision(4)}` : `PSNR ${o.psnr.toFixed(2)} dB, SSIM ${o.ssim.toFixed(4)}`;
    console.log(`wrote ${out}: ${q}, ${summary.nfe} network calls (+${summary.vjp} VJPs), ${summary.seconds.toFixed(1)} s`);
  }
}
