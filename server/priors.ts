/**
 * Priors for the executor and the compiler: 'gaussian' (the analytic N(0, 0.5^2) prior, as
 * in the CLI), 'default' (the shipped ONNX network) or 'sha256:<hex>' (an upload), loaded once
 * with onnxruntime-node on the configured execution providers and kept (a few at a time), and
 * described per image size for `graph.compile` (FLOPs, ops the gradient compiler cannot
 * differentiate). Distributed workers load theirs through the same registry.
 */
import { OrtEpsModel } from '../lib/backends/ort-node';
import { GaussianEpsModel } from '../lib/diffusion/gaussian-prior';
import type { EpsModel } from '../lib/diffusion/types';
import { SpgdError } from '../lib/errors';
import type { PriorReport } from '../lib/plan/node-run';
import { gaussianPriorReport, priorReport } from '../lib/plan/prior-report';
import type { Env } from './env';

const KEEP_MODELS = 3;

/** Where the ONNX bytes of a model id come from (the server's asset store, a worker's download cache). */
export interface ModelBytesSource {
  modelBytes(model: string): Uint8Array | null;
}

export class PriorRegistry {
  private readonly loaded = new Map<string, Promise<OrtEpsModel>>();
  private readonly reports = new Map<string, PriorReport>();
  private readonly bytes = new Map<string, Uint8Array>();

  constructor(
    private readonly assets: ModelBytesSource,
    private readonly env: Pick<Env, 'executionProviders' | 'ortThreads'>,
  ) {}

  private modelBytes(model: string): Uint8Array | null {
    let b = this.bytes.get(model);
    if (!b) {
      b = this.assets.modelBytes(model) ?? undefined;
      if (b) {
        this.bytes.set(model, b);
        forgetOldest(this.bytes, KEEP_MODELS);
      }
    }
    return b ?? null;
  }

  /** The epsilon network of a Prior node's `model`. */
  load(model: string): Promise<EpsModel> {
    if (model === 'gaussian') return Promise.resolve(new GaussianEpsModel({ mean: 0, std: 0.5, schedule: 'discrete' }));
    const hit = this.loaded.get(model);
    if (hit) {
      this.loaded.delete(model);
      this.loaded.set(model, hit);
      return hit;
    }
    const p = (async () => {
      const bytes = this.modelBytes(model);
      if (!bytes) throw new SpgdError('BAD_MODEL', missing(model));
      return OrtEpsModel.create(bytes, {
        name: model,
        executionProviders: this.env.executionProviders,
        ...(this.env.ortThreads ? { intraOpNumThreads: this.env.ortThreads } : {}),
      });
    })();
    p.catch(() => this.loaded.delete(model));
    this.loaded.set(model, p);
    // Forget the least recently used; not released here, since a cached Prior output of an
    // earlier run may still hold it (its sessions go with the last reference).
    forgetOldest(this.loaded, KEEP_MODELS);
    return p;
  }

  /** What the compiler needs to know about a model at one image size. */
  inspect(model: string, size: { height: number; width: number }): PriorReport {
    if (model === 'gaussian') return gaussianPriorReport(size);
    const key = `${model}@${size.height}x${size.width}`;
    const hit = this.reports.get(key);
    if (hit) return hit;
    if (model !== 'default' && !/^sha256:[0-9a-f]{64}$/.test(model)) {
      return { flops: 0, parameters: 0, problems: [`model must be 'default', 'gaussian' or 'sha256:<hex of an upload>', got '${model}'`], unsupportedOps: [] };
    }
    const bytes = this.modelBytes(model);
    if (!bytes) return { flops: 0, parameters: 0, problems: [missing(model)], unsupportedOps: [] };
    const report = priorReport(bytes, size);
    this.reports.set(key, report);
    return report;
  }

  async releaseAll(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    await Promise.all(all.map((p) => p.then((m) => m.release()).catch(() => undefined)));
  }
}

/** Deletes the first-inserted entries until `keep` are left. */
function forgetOldest(map: Map<string, unknown>, keep: number): void {
  for (const key of map.keys()) {
    if (map.size <= keep) return;
    map.delete(key);
  }
}

function missing(model: string): string {
  return model === 'default' ? 'the shipped prior public/models/spgd-prior-v1.onnx is missing' : `no uploaded model ${model}; upload it again`;
}
