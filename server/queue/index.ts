/**
 * The run queue: one worker (concurrency 1), first in first out. Positions count the running
 * run: 0 = running now, 1 = next, ... Every position change is announced as a `queued` event
 * to the runs behind; `cancel` removes a queued run at once and aborts a running one (the
 * sampler stops before its next network call) and waits for it to stop.
 */
import type { Db } from '../db';
import { finishRun, getRun, setRunning } from '../db/runs';
import type { RunStatus } from '../db/schema';
import type { RunEventLog } from './events';

/** Runs one run to its end: records its outcome and its terminal event. Never rejects. */
export type RunJob = (runId: string, signal: AbortSignal) => Promise<void>;

export interface RunQueueDeps {
  db: Db;
  log: RunEventLog;
  job: RunJob;
  /** How long `cancel` waits for a running run to stop (default 30 s). */
  cancelWaitMs?: number;
}

export class RunQueue {
  private readonly waiting: string[] = [];
  private active: { runId: string; controller: AbortController; done: Promise<void> } | null = null;
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly deps: RunQueueDeps) {}

  /** Queues a run whose row exists with status 'queued'; returns its position (0 = starts now). */
  enqueue(runId: string): number {
    if (this.closed) throw new Error('the run queue is shut down');
    const position = (this.active ? 1 : 0) + this.waiting.length;
    this.waiting.push(runId);
    this.deps.log.append(runId, { type: 'queued', position });
    this.pump();
    return position;
  }

  /** 0 while running, n while queued behind n runs, null when not in the queue. */
  position(runId: string): number | null {
    if (this.active?.runId === runId) return 0;
    const i = this.waiting.indexOf(runId);
    return i < 0 ? null : i + (this.active ? 1 : 0);
  }

  get running(): string | null {
    return this.active?.runId ?? null;
  }

  get queued(): readonly string[] {
    return this.waiting;
  }

  /** Cancels a queued or running run; returns the run's status afterwards (null: no such run). */
  async cancel(runId: string): Promise<RunStatus | null> {
    const i = this.waiting.indexOf(runId);
    if (i >= 0) {
      this.waiting.splice(i, 1);
      finishRun(this.deps.db, runId, { status: 'cancelled' });
      this.deps.log.append(runId, { type: 'cancelled' });
      this.deps.log.forget(runId);
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

  /** Resolves when nothing is running or queued. */
  onIdle(): Promise<void> {
    if (!this.active && this.waiting.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stops taking runs, cancels the queued ones and aborts the running one. */
  async shutdown(): Promise<void> {
    this.closed = true;
    for (const id of [...this.waiting]) await this.cancel(id);
    if (this.active) await this.cancel(this.active.runId);
  }

  private pump(): void {
    const runId = this.active ? undefined : this.waiting.shift();
    if (runId === undefined) {
      this.checkIdle();
      return;
    }
    const controller = new AbortController();
    setRunning(this.deps.db, runId);
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
      this.deps.log.append(this.waiting[i], { type: 'queued', position: i + (this.active ? 1 : 0) });
    }
  }

  private checkIdle(): void {
    if (this.active || this.waiting.length) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }
}
