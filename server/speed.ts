/**
 * The server's measured speed, for the plan's estimate: the throughput table of
 * lib/plan/throughput.ts kept in `<data dir>/throughput-server.json`. At first start (or when the
 * machine, ONNX Runtime or the thread count changed) a short calibration runs in the background
 * (nodes/calibrate.ts; SPGD_CALIBRATE=off skips it); runs wait for it, so the two never share
 * the CPU. Every finished run refines the table with its nodes' real seconds.
 */
import path from 'node:path';
import { machineFingerprint, openThroughputFile, readThroughputFile, writeThroughputFile } from '../lib/io/node-throughput';
import { closedModels, coldModels, learnFromRun, type RunTimings } from '../lib/plan/estimate';
import { CALIBRATION_TASK, emptyThroughput, Throughput } from '../lib/plan/throughput';
import type { Plan } from '../lib/plan/types';
import { calibrate } from '../nodes/calibrate';
import type { AssetStore } from './assets';
import type { Env } from './env';
import type { PriorRegistry } from './priors';

export const SERVER_BACKEND = 'server';
/** Sizes the first start measures (about a minute on a busy 2-core box); larger ones are priced by FLOPs, then learnt from runs. */
const CALIBRATION_SIZES = [64, 128];
const ORT_VERSION = 'onnxruntime-node 1.30';

export class ServerSpeed {
  /** The table estimates are priced with: FLOP-rate defaults until the stored or calibrated one is in. */
  throughput = new Throughput(emptyThroughput(SERVER_BACKEND));
  /** Settles when the table is loaded or calibrated (or calibration failed or is off). */
  readonly ready: Promise<void>;
  private readonly file: string;

  constructor(
    private readonly env: Env,
    private readonly priors: PriorRegistry,
    private readonly assets: AssetStore,
  ) {
    this.file = path.join(env.dataDir, 'throughput-server.json');
    this.ready = this.open();
  }

  private async open(): Promise<void> {
    const fingerprint = machineFingerprint({ runtime: ORT_VERSION, threads: this.env.ortThreads, providers: this.env.executionProviders });
    try {
      const calibrateHere = async (t: Throughput) => {
        const s = await calibrate(t, {
          load: (m) => this.priors.load(m),
          groundTruth: this.assets.loadImage('sample:default'),
          flops: (m, size) => this.priors.inspect(m, size).flops,
          sizes: CALIBRATION_SIZES,
        });
        console.log(`calibrated the estimate in ${s.toFixed(1)} s (${this.file})`);
      };
      if (this.env.calibrate === 'off') {
        this.throughput = readThroughputFile(this.file, SERVER_BACKEND, fingerprint) ?? this.throughput;
        return;
      }
      const { throughput, calibrated } = await openThroughputFile(this.file, SERVER_BACKEND, fingerprint, calibrateHere);
      this.throughput = throughput;
      // The calibration opened the default prior and ran inpainting at each size.
      if (calibrated) for (const px of CALIBRATION_SIZES) this.priors.markUsed('default', CALIBRATION_TASK, px * px);
    } catch (e) {
      console.warn(`estimate calibration failed (${e instanceof Error ? e.message : String(e)}); estimates use nominal speeds`);
    }
  }

  /** Sampler steps whose model, task and size have no open sessions yet (they pay compiling them). */
  coldModels(plan: Plan): string[] {
    return coldModels(plan, (model, task, pixels) => this.priors.isWarm(model, task, pixels));
  }

  /** Of the cold models, those not open at all (they pay the whole opening). */
  closedModels(plan: Plan): string[] {
    return closedModels(
      plan,
      (model, task, pixels) => this.priors.isWarm(model, task, pixels),
      (model) => this.priors.isOpen(model),
    );
  }

  /** Refines the table from a finished run and stores it; the run's models are warm from now on. */
  learn(plan: Plan, timings: RunTimings): void {
    learnFromRun(this.throughput, plan, timings);
    for (const s of plan.steps) if (s.sampler?.model) this.priors.markUsed(s.sampler.model, s.sampler.task, s.sampler.height * s.sampler.width);
    if (this.env.calibrate === 'off') return;
    try {
      writeThroughputFile(this.file, this.throughput);
    } catch (e) {
      console.warn(`could not store the estimate's speeds: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
