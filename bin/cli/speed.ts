/**
 * The estimate for `--json`'s `estimateSeconds`: the server's estimator (lib/plan/estimate.ts)
 * with the same measured speeds, `<SPGD_DATA_DIR or ./data>/throughput-server.json`. Without
 * that file the sizes a command needs are calibrated first (nodes/calibrate.ts, stderr says so)
 * and the file is written; every run then refines it, as the server's runs do.
 */
import path from 'node:path';
import { machineFingerprint, readThroughputFile, writeThroughputFile } from '../../lib/io/node-throughput';
import { estimateTime, learnFromRun } from '../../lib/plan/estimate';
import { emptyThroughput, Throughput } from '../../lib/plan/throughput';
import type { Plan } from '../../lib/plan/types';
import { fileURLToPath } from 'node:url';
import { calibrate } from '../../nodes/calibrate';
import type { RestorationOutcome } from '../../nodes/recipes';
import { readImage } from './files';
import type { CliPrior } from './prior';

/** The picture the calibration restores (the editor's default sample). */
const SAMPLE = fileURLToPath(new URL('../../public/samples/astronaut.png', import.meta.url));

const BACKEND = 'server';

export class CliSpeed {
  private readonly file: string;
  private readonly fingerprint: string;
  private table: Throughput | null;
  /** model|task|pixels opened in this process (the first image of each pays the model's opening). */
  private readonly warm = new Set<string>();

  constructor(
    private readonly prior: CliPrior,
    private readonly quiet: boolean,
  ) {
    this.file = path.resolve(process.env.SPGD_DATA_DIR ?? 'data', 'throughput-server.json');
    this.fingerprint = machineFingerprint({ runtime: 'onnxruntime-node 1.30', threads: Number(process.env.SPGD_ORT_THREADS ?? 0) || 0, providers: ['cpu'] });
    this.table = readThroughputFile(this.file, BACKEND, this.fingerprint);
  }

  private key(s: NonNullable<Plan['steps'][number]['sampler']>): string {
    return `${s.model ?? ''}|${s.task ?? ''}|${s.height * s.width}`;
  }

  /** Seconds the plan should take here (calibrating this machine first when it never was); `images` runs of it. */
  async estimate(plan: Plan, images = 1): Promise<number> {
    // Calibrate when nothing was measured here, or not this command's prior.
    const measured = this.table && Object.hasOwn(this.table.data.network, this.prior.model) && this.table.data.network[this.prior.model].length > 0;
    if (!this.table || !measured) {
      const t = this.table ?? new Throughput({ ...emptyThroughput(BACKEND), fingerprint: this.fingerprint });
      const sizes = [...new Set(plan.steps.flatMap((s) => (s.sampler ? [Math.max(32, Math.min(s.sampler.height, s.sampler.width))] : [])))];
      if (!this.quiet) process.stderr.write(`spgd: measuring this machine's speed for the estimate (once, kept in ${this.file})\n`);
      const groundTruth = readImage(SAMPLE, 'sample');
      const flops = async (m: string, size: { height: number; width: number }) => (await this.prior.inspect(m, size)).flops;
      if (sizes.length) await calibrate(t, { load: (m) => this.prior.load(m), model: this.prior.model, groundTruth, flops, sizes });
      this.table = t;
      this.save();
    }
    const table = this.table;
    const isWarm = (model: string, task: string | undefined, pixels: number) => this.warm.has(`${model}|${task ?? ''}|${pixels}`);
    const first = estimateTime(plan, { throughput: table, warm: isWarm });
    if (images <= 1) return first.seconds;
    const rest = estimateTime(plan, { throughput: table, warm: () => true });
    return first.seconds + (images - 1) * rest.seconds;
  }

  /** Refines the table with a finished restoration (call after each). */
  learn(o: Pick<RestorationOutcome, 'plan' | 'nodeSeconds' | 'cached'>): void {
    if (!this.table) return;
    const cold = o.plan.steps.flatMap((s) => (s.sampler?.model && !this.warm.has(this.key(s.sampler)) ? [s.sampler.model] : []));
    learnFromRun(this.table, o.plan, { nodeSeconds: o.nodeSeconds, cached: o.cached, coldModels: cold });
    for (const s of o.plan.steps) if (s.sampler) this.warm.add(this.key(s.sampler));
  }

  save(): void {
    if (!this.table) return;
    try {
      writeThroughputFile(this.file, this.table);
    } catch (e) {
      if (!this.quiet) process.stderr.write(`spgd: could not store the measured speed in ${this.file}: ${(e as Error).message}\n`);
    }
  }
}
