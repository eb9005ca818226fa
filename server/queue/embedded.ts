/**
 * The embedded run queue (the default, no set-up): one in-process runner (concurrency 1),
 * interactive runs before batch runs, first in first out within each. Positions count the
 * running run: 0 = running now, 1 = next, ... Every position change is announced as a `queued`
 * event to the runs behind; `cancel` removes a queued run at once and aborts a running one (the
 * sampler stops before its next network call) and waits for it to stop. A server killed with runs
 * in it marks them interrupted at its next start (services.ts).
 */
import type { Db } from '../db';
import { getRun } from '../db/runs';
import type { RunStatus } from '../db/schema';
import { followRunEvents, type RunEventLog } from './events';
import type { RunRecorder } from './record';
import type { QueueOverview, RunPriority, RunQueue, WorkerInfo } from './types';

/** Runs one run to its end: records its outcome and its terminal event. Never rejects. */
export type RunJob = (runId: string, signal: AbortSignal) => Promise<void>;

export interface EmbeddedQueueDeps {
  db: Db;
  log: RunEventLog;
  recorder: RunRecorder;
  job: RunJob;
  /** The in-process runner as the run records and the Workers panel show it. */
  self: Omit<WorkerInfo, 'running' | 'seenAt'>;
  /** How long `cancel` waits for a running run to stop (default 30 s). */
  cancelWaitMs?: number;
}

interface Waiting {
  runId: string;
  priority: RunPriority;
}

export class EmbeddedRunQueue implements RunQueue {
  readonly kind = 'embedded' as const;
  private readonly waiting: Waiting[] = [];
  private active: { runId: string; controller: AbortController; done: Promise<void> } | null = null;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly deps: EmbeddedQueueDeps) {}

  enqueue(runId: string, priority: RunPriority = 'interactive'): Promise<number> {
    if (this.closed) return Promise.reject(new Error('the run queue is shut down'));
    // Interactive runs go before the first batch run; batch runs go last.
    const firstBatch = this.waiting.findIndex((w) => w.priority === 'batch');
    const at = priority === 'interactive' && firstBatch >= 0 ? firstBatch : this.waiting.length;
    this.waiting.splice(at, 0, { runId, priority });
    this.deps.log.append(runId, { type: 'queued', position: at + (this.active ? 1 : 0) });
    // Runs behind it moved down one place.
    this.announce(at + 1);
    const position = at + (this.active ? 1 : 0);
    this.pump();
    return Promise.resolve(position);
  }

  private indexOf(runId: string): number {
    return this.waiting.findIndex((w) => w.runId === runId);
  }

  position(runId: string): Promise<number | null> {
    if (this.active?.runId === runId) return Promise.resolve(0);
    const i = this.indexOf(runId);
    return Promise.resolve(i < 0 ? null : i + (this.active ? 1 : 0));
  }

  get running(): string | null {
    return this.active?.runId ?? null;
  }

  get queued(): readonly string[] {
    return this.waiting.map((w) => w.runId);
  }

  async cancel(runId: string): Promise<RunStatus | null> {
    const i = this.indexOf(runId);
    if (i >= 0) {
      this.waiting.splice(i, 1);
      this.deps.recorder.finish(runId, { status: 'cancelled' });
      this.announce(i);
      this.checkIdle();
      return 'cancelled';
    }
    if (this.active?.runId === runId) {
      this.active.controller.abort();
      const done = this.active.done;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, this.deps.cancelWaitMs ?? 30_000)))]);
      clearTimeout(timer);
    }
    return getRun(this.deps.db, runId)?.status ?? null;
  }

  events(runId: string, lastEventId: string | null | undefined, signal: AbortSignal) {
    return followRunEvents(this.deps.db, this.deps.log, runId, lastEventId, signal);
  }

  overview(): Promise<QueueOverview> {
    const running = this.active ? [this.active.runId] : [];
    return Promise.resolve({
      kind: this.kind,
      available: !this.closed,
      workers: [{ ...this.deps.self, running, seenAt: Date.now() }],
      waiting: this.waiting.length,
      running: running.length,
    });
  }

  onIdle(): Promise<void> {
    if (!this.active && this.waiting.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stops taking runs, cancels the queued ones and aborts the running one. */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of this.queued) await this.cancel(id);
    if (this.active) await this.cancel(this.active.runId);
  }

  private pump(): void {
    const next = this.active ? undefined : this.waiting.shift();
    if (next === undefined) {
      this.checkIdle();
      return;
    }
    const { runId } = next;
    const controller = new AbortController();
    const { id, name, host, pid, backend } = this.deps.self;
    this.deps.recorder.started(runId, { id, name, host, pid, backend }, 1);
    const entry = { runId, controller, done: Promise.resolve() };
    this.active = entry;
    entry.done = (async () => {
      try {
        await this.deps.job(runId, controller.signal);
      } catch (e) {
        console.error(`run ${runId}: the run job failed`, e);
      }
    })().finally(() => {
      if (this.active === entry) this.active = null;
      this.pump();
    });
    this.announce(0);
  }

  /** Re-announces the positions of the queued runs from index `from` on. */
  private announce(from: number): void {
    for (let i = from; i < this.waiting.length; i++) {
      this.deps.log.append(this.waiting[i].runId, { type: 'queued', position: i + (this.active ? 1 : 0) });
    }
  }

  private checkIdle(): void {
    if (this.active || this.waiting.length) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }
}
