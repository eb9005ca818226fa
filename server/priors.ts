/**
 * Priors for the executor and the compiler: 'gaussian' (the analytic N(0, 0.5^2) prior, as
 * in the CLI), 'default' (the shipped ONNX network) or 'sha256:<hex>' (an upload), loaded once
 * with onnxruntime-node on the configured execution providers and kept (a few at a time), and
 * described per image size for `graph.compile` (FLOPs, ops the gradient compiler cannot
 * differentiate). Distributed workers load theirs through the same registry.
 *
 * Memory: each ONNX Runtime session keeps an arena as large as the biggest image it ran, so
 * after every run `trim` brings what the kept sessions hold (estimated from the model's FLOPs at
 * each session's size, as the plan estimate does) under SPGD_SESSION_CACHE_MB: least recently
 * used gradient sessions go first, then whole models. The registry alone owns the models (the
 * Prior node's output is not cached), so a released model is never used again.
 */
import { OrtEpsModel, type HeldSession } from '../lib/backends/ort-node';
import { GaussianEpsModel } from '../lib/diffusion/gaussian-prior';
import type { EpsModel } from '../lib/diffusion/types';
import { SpgdError } from '../lib/errors';
import type { PriorReport } from '../lib/plan/node-run';
import { activationBytes } from '../lib/plan/estimate';
import { gaussianPriorReport, priorReport } from '../lib/plan/prior-report';
import type { Env } from './env';

const KEEP_MODELS = 3;
/** What a forward-only session's arena holds, as a share of a gradient session's (which keeps activations for the backward pass). */
const FORWARD_SHARE = 0.25;

/** Where the ONNX bytes of a model id come from (the server's asset store, a worker's download cache). */
export interface ModelBytesSource {
  modelBytes(model: string): Uint8Array | null;
}

export class PriorRegistry {
  private readonly loaded = new Map<string, Promise<OrtEpsModel>>();
  /** Models pushed out of `loaded`, to release at the next trim. */
  private readonly retired: Promise<OrtEpsModel>[] = [];
  private readonly reports = new Map<string, PriorReport>();
  private readonly bytes = new Map<string, Uint8Array>();
  /** "model|task|pixels" that ran since the model was opened: its gradient sessions exist. */
  private readonly used = new Set<string>();

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
    // Least recently used first out; released at the next trim (a run may still be using it).
    for (const key of this.loaded.keys()) {
      if (this.loaded.size <= KEEP_MODELS) break;
      this.retired.push(this.loaded.get(key) ?? p);
      this.loaded.delete(key);
    }
    this.forgetUsed((m) => !this.loaded.has(m));
    return p;
  }

  /** Whether a run with this model, operator task and size would find its sessions open (the estimate's cold start). */
  isWarm(model: string, task: string | undefined, pixels: number): boolean {
    return model === 'gaussian' || (this.loaded.has(model) && this.used.has(`${model}|${task ?? ''}|${pixels}`));
  }

  /** Whether the model is open (some of its sessions may still need compiling). */
  isOpen(model: string): boolean {
    return model === 'gaussian' || this.loaded.has(model);
  }

  /** Records that a run opened the sessions of this model, task and size. */
  markUsed(model: string, task: string | undefined, pixels: number): void {
    this.used.add(`${model}|${task ?? ''}|${pixels}`);
  }

  /** Forgets which sizes ran for the models `drop` names (their sessions were released). */
  private forgetUsed(drop: (model: string) => boolean): void {
    for (const key of [...this.used]) if (drop(key.split('|')[0])) this.used.delete(key);
  }

  /** Estimated bytes a held session keeps at its size. */
  private sessionBytes(model: string, s: HeldSession): number {
    const bytes = activationBytes(this.inspect(model, s).flops);
    return s.key === 'forward' ? FORWARD_SHARE * bytes : bytes;
  }

  /**
   * Releases models pushed out of the registry and brings the estimated memory of the kept
   * sessions under `budgetBytes`. Call it between runs (never while one is running).
   */
  async trim(budgetBytes: number): Promise<void> {
    const retired = this.retired.splice(0);
    await Promise.all(retired.map((p) => p.then((m) => m.release()).catch(() => undefined)));
    const models: { id: string; model: OrtEpsModel; held: { session: HeldSession; bytes: number }[] }[] = [];
    for (const [id, p] of this.loaded) {
      const model = await p.catch(() => null);
      if (model) models.push({ id, model, held: model.heldSessions().map((session) => ({ session, bytes: this.sessionBytes(id, session) })) });
    }
    let total = models.reduce((t, m) => t + m.held.reduce((a, h) => a + h.bytes, 0), 0);
    // Least recently used models first, and within each its least recently used gradient sessions.
    for (const m of models) {
      for (const h of m.held) {
        if (total <= budgetBytes) return;
        if (h.session.key === 'forward') continue;
        await m.model.releaseSession(h.session.key);
        // The next run of this model opens its gradient sessions again: its estimate counts the cold start.
        this.forgetUsed((id) => id === m.id);
        total -= h.bytes;
        h.bytes = 0;
      }
    }
    for (const m of models) {
      if (total <= budgetBytes) return;
      this.loaded.delete(m.id);
      this.forgetUsed((id) => id === m.id);
      await m.model.release();
      total -= m.held.reduce((a, h) => a + h.bytes, 0);
    }
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
    const all = [...this.loaded.values(), ...this.retired.splice(0)];
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
