/**
 * The run queue as the server sees it, whichever engine is behind it: the embedded queue (one
 * in-process runner, SQLite only; the default) or BullMQ on Redis (runs on `spgd worker`
 * processes on any number of machines, used when SPGD_REDIS_URL is set). Both record runs the same
 * way (server/queue/record.ts) and serve the same event stream from SQLite, so the editor sees no
 * difference. One test suite (`run-queue.suite.ts`) runs against both.
 */
import type { QueueKind, RunStatus } from '../db/schema';
import type { WorkerRef } from '../db/runs';
import type { RunEvent } from './events';

export type { QueueKind, WorkerRef };

/** Interactive runs (the editor) start before batch work (`spgd eval --queue`). */
export const RUN_PRIORITIES = ['interactive', 'batch'] as const;
export type RunPriority = (typeof RUN_PRIORITIES)[number];

/** A worker as the Workers panel shows it. */
export interface WorkerInfo extends WorkerRef {
  /** What its backend runs on, e.g. "AMD EPYC 7B13 ×2" or "NVIDIA H100 80GB HBM3". */
  device: string;
  /** Runs it takes at once. */
  concurrency: number;
  /** Runs it is executing now. */
  running: string[];
  /** Inside the server process (the embedded runner, or SPGD_LOCAL_WORKER=1). */
  local: boolean;
  startedAt: number;
  /** Its last sign of life (ms since the epoch). */
  seenAt: number;
}

export interface QueueOverview {
  kind: QueueKind;
  /** False while the queue's store cannot be reached (Redis down): `message` says why. */
  available: boolean;
  message?: string;
  workers: WorkerInfo[];
  /** Runs waiting for a worker, and runs being executed. */
  waiting: number;
  running: number;
}

export interface RunQueue {
  readonly kind: QueueKind;
  /**
   * Queues a run whose row exists with status 'queued'; returns its position (0: starting now).
   * Throws SpgdError QUEUE_UNAVAILABLE when the queue cannot take it (nothing is queued then).
   */
  enqueue(runId: string, priority?: RunPriority): Promise<number>;
  /** Cancels a queued or running run; resolves with its status afterwards (null: no such run). */
  cancel(runId: string): Promise<RunStatus | null>;
  /** 0 while running, n >= 1 for the n-th in line, null when it is not in the queue. */
  position(runId: string): Promise<number | null>;
  /**
   * Tracked events of a run: those after `lastEventId` from SQLite, then live ones, until its
   * terminal event or `signal`.
   */
  events(runId: string, lastEventId: string | null | undefined, signal: AbortSignal): AsyncIterable<RunEvent>;
  /** The workers and the queue's counts (the editor's Workers panel). */
  overview(): Promise<QueueOverview>;
  /** Resolves when no run of this queue is queued or running. */
  onIdle(): Promise<void>;
  /** Stops taking runs. The embedded queue cancels what it holds; a distributed one leaves its runs to the workers. */
  close(): Promise<void>;
}
