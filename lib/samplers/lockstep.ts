/**
 * K chains of one sampler sharing their network calls: the chains run concurrently, and a call
 * waits until every chain still running has made its next call; calls that fit together (same
 * kind, noise level, image size and loss) then go to the backend as one batch (`denoiseBatch`,
 * `denoiseWithGradBatch`), so each step of K chains costs one backend call instead of K.
 *
 * Chains of one configuration walk the same grid and make the same calls in the same order, so
 * in practice every flush is a single batch. Nothing here assumes that: calls that differ go out
 * as separate batches, calls without a batched form one at a time, and a chain that finishes or
 * fails stops being waited for (`leave`). Every backend call goes through one queue, so chains
 * never run the network at the same time (no oversubscribed cores, one arena in use).
 *
 * Batches hold at most `maxBatch` images (the fused gradient model's memory grows with it).
 *
 * @example
 *   const ls = lockstepPriors(prior, 4, { maxBatch: 4 });
 *   await Promise.all([0, 1, 2, 3].map((k) => runSampler(create(ls.priors[k]), ...).finally(() => ls.leave(k))));
 */
import type { DenoisedLoss, DenoisedWithGrad, Denoiser, EpsModel } from '../diffusion/types';
import { sameShape, type Tensor } from '../tensor';
import type { PriorHandles } from './types';

/** One chain's call waiting for the others. */
interface Call<T> {
  x: Tensor;
  sigma: number;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}
interface DenoiseCall extends Call<Tensor> {
  kind: 'denoise';
}
interface GradCall extends Call<DenoisedWithGrad> {
  kind: 'grad';
  loss: DenoisedLoss;
}
type Pending = DenoiseCall | GradCall;

export interface Lockstep {
  /** Chain k's prior: its denoiser's calls are batched with the other chains'. */
  readonly priors: PriorHandles[];
  /** Chain k has finished or failed: the others stop waiting for it. */
  leave(chain: number): void;
  /** Fails every waiting and every later call with `error` (one chain failed: stop the others). */
  abort(error: unknown): void;
}

export interface LockstepOptions {
  /** Most images per backend call (default: all chains). */
  maxBatch?: number;
}

/** True when the prior's denoiser has a batched call, i.e. lockstep chains would share calls. */
export function canLockstep(prior: PriorHandles | null): prior is PriorHandles {
  return !!prior && (!!prior.denoiser.denoiseBatch || !!prior.denoiser.denoiseWithGradBatch);
}

/** Whether two waiting calls can share one backend call. */
function fits(a: Pending, b: Pending): boolean {
  if (a.kind !== b.kind || a.sigma !== b.sigma || !sameShape(a.x.shape, b.x.shape)) return false;
  if (a.kind === 'denoise' || b.kind === 'denoise') return true;
  const da = a.loss.description;
  const db = b.loss.description;
  // The loss must be the same function of D: the same operator and measurement objects.
  return !!da && !!db && da.operator === db.operator && da.y === db.y;
}

export function lockstepPriors(prior: PriorHandles, chains: number, options: LockstepOptions = {}): Lockstep {
  const maxBatch = Math.max(1, Math.floor(options.maxBatch ?? chains));
  const inner = prior.denoiser;
  const live = new Set<number>(Array.from({ length: chains }, (_, k) => k));
  const waiting = new Map<number, Pending>();
  let failure: { error: Error } | null = null;

  // One queue for every backend call.
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(() => {
      if (failure) throw failure.error;
      return fn();
    });
    tail = run.catch(() => undefined);
    return run;
  };

  const denoiseBatch = inner.denoiseBatch?.bind(inner);
  const gradBatch = inner.denoiseWithGradBatch?.bind(inner);

  /** One backend call for the chunk when `batch` takes it (non-null), else one call per chain. */
  async function settle<T, C extends Call<T>>(
    chunk: C[],
    batch: ((xs: Tensor[]) => Promise<T[] | null>) | undefined,
    single: (c: C) => Promise<T>,
  ): Promise<void> {
    try {
      const out = chunk.length > 1 && batch ? await exclusive(() => batch(chunk.map((c) => c.x))) : null;
      if (out) {
        chunk.forEach((c, k) => c.resolve(out[k]));
        return;
      }
      for (const c of chunk) c.resolve(await exclusive(() => single(c)));
    } catch (e) {
      for (const c of chunk) c.reject(e);
    }
  }

  /** A group of calls that fit together (`fits`), in chunks of at most maxBatch. */
  async function runGroup(group: Pending[]): Promise<void> {
    for (let i = 0; i < group.length; i += maxBatch) {
      const chunk = group.slice(i, i + maxBatch);
      const first = chunk[0];
      if (first.kind === 'denoise') {
        await settle<Tensor, DenoiseCall>(chunk as DenoiseCall[], denoiseBatch && ((xs) => denoiseBatch(xs, first.sigma)), (c) => inner.denoise(c.x, c.sigma));
      } else {
        const grads = chunk as GradCall[];
        await settle<DenoisedWithGrad, GradCall>(grads, gradBatch && ((xs) => gradBatch(xs, first.sigma, grads.map((c) => c.loss))), (c) => inner.denoiseWithGrad(c.x, c.sigma, c.loss));
      }
    }
  }

  /** Sends the waiting calls once every live chain has one. */
  function flushWhenAllWait(): void {
    if (waiting.size === 0 || waiting.size < live.size) return;
    const batch = [...waiting.entries()].sort(([a], [b]) => a - b).map(([, p]) => p);
    waiting.clear();
    const groups: Pending[][] = [];
    for (const p of batch) {
      const g = groups.find((x) => fits(x[0], p));
      if (g) g.push(p);
      else groups.push([p]);
    }
    void (async () => {
      for (const g of groups) await runGroup(g);
    })();
  }

  function submit<T>(chain: number, make: (resolve: (v: T) => void, reject: (e: unknown) => void) => Pending): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (failure) {
        reject(failure.error);
        return;
      }
      waiting.set(chain, make(resolve, reject));
      flushWhenAllWait();
    });
  }

  const denoiserOf = (chain: number): Denoiser => ({
    name: inner.name,
    denoise: denoiseBatch
      ? (x, sigma) => submit<Tensor>(chain, (resolve, reject) => ({ kind: 'denoise', x, sigma, resolve, reject }))
      : (x, sigma) => exclusive(() => inner.denoise(x, sigma)),
    denoiseWithGrad: gradBatch
      ? (x, sigma, loss) => submit<DenoisedWithGrad>(chain, (resolve, reject) => ({ kind: 'grad', x, sigma, loss, resolve, reject }))
      : (x, sigma, loss) => exclusive(() => inner.denoiseWithGrad(x, sigma, loss)),
  });

  // Samplers that use the epsilon network directly (DPS) share the queue, unbatched.
  const eps = prior.eps;
  const fused = eps.fusedVpLossGrad?.bind(eps);
  const queuedEps: EpsModel = {
    name: eps.name,
    outChannels: eps.outChannels,
    integerTimesteps: eps.integerTimesteps,
    eps: (z, t) => exclusive(() => eps.eps(z, t)),
    epsPullback: (z, t, cotangent) => exclusive(() => eps.epsPullback(z, t, cotangent)),
    ...(fused ? { fusedVpLossGrad: (x, s, loss) => exclusive(() => fused(x, s, loss)) } : {}),
  };

  return {
    priors: Array.from({ length: chains }, (_, k) => ({ eps: queuedEps, denoiser: denoiserOf(k) })),
    leave(chain) {
      live.delete(chain);
      const own = waiting.get(chain);
      if (own) {
        waiting.delete(chain);
        own.reject(new Error(`chain ${chain} left while a call was waiting`));
      }
      flushWhenAllWait();
    },
    abort(error) {
      if (!failure) failure = { error: error instanceof Error ? error : new Error(String(error)) };
      for (const p of waiting.values()) p.reject(failure.error);
      waiting.clear();
    },
  };
}
