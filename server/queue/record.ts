/**
 * The server's record of a run, wherever it executes: its row (running on which worker, which
 * attempt, the outcome), its events (persisted, then emitted), its published tensors (.npy for
 * `tensor.get`) and images (PNGs with the graph embedded). The embedded runner writes through it
 * directly; for BullMQ the server feeds it what the workers stream (server/queue/bullmq/ingest.ts).
 */
import type { StoredTensor } from '../../lib/plan/execute';
import type { RunEventPayload } from '../../lib/plan/types';
import type { Tensor } from '../../lib/tensor';
import type { Artifacts, FileTensorStore } from '../artifacts';
import type { Db } from '../db';
import { finishRun, getRun, setRequeued, setRunning, type WorkerRef } from '../db/runs';
import { TERMINAL_STATUSES } from '../db/schema';
import type { RunEventLog } from './events';
import type { RunOutcome, RunSink } from './execute-run';

export interface RunRecorderDeps {
  db: Db;
  log: RunEventLog;
  artifacts: Artifacts;
  /** Called once a run has ended and its outcome is recorded (its bytes, retention). */
  afterFinish?: (runId: string) => void;
}

export class RunRecorder {
  private readonly stores = new Map<string, FileTensorStore>();
  private readonly documents = new Map<string, unknown>();

  constructor(private readonly d: RunRecorderDeps) {}

  /** False once the run has ended (or when there is no such run): nothing more is recorded for it. */
  isOpen(runId: string): boolean {
    const row = getRun(this.d.db, runId);
    return row !== undefined && !TERMINAL_STATUSES.includes(row.status);
  }

  /** The run's `attempt`-th start, on `worker` (null: the server itself). */
  started(runId: string, worker: WorkerRef | null, attempt: number): void {
    setRunning(this.d.db, runId, worker, attempt);
  }

  /** Its worker stopped: the run waits for attempt `attempt` (the event says why). */
  retry(runId: string, attempt: number, maxAttempts: number, reason: string): void {
    setRequeued(this.d.db, runId);
    this.d.log.append(runId, { type: 'retry', attempt, maxAttempts, reason });
  }

  event(runId: string, e: RunEventPayload): void {
    this.d.log.append(runId, e);
  }

  tensor(runId: string, rec: StoredTensor): void {
    let store = this.stores.get(runId);
    if (!store) this.stores.set(runId, (store = this.d.artifacts.tensorStore(runId)));
    store.put(rec);
  }

  savedImage(runId: string, node: string, filename: string, image: Tensor): void {
    this.d.artifacts.writeImage(runId, `${node}-${filename}`, image, this.document(runId));
  }

  /** A sink that records into this run (what the embedded runner executes into). */
  sink(runId: string): RunSink {
    return {
      event: (e) => this.event(runId, e),
      tensor: (rec) => this.tensor(runId, rec),
      savedImage: ({ node, filename, image }) =>
        new Promise<void>((resolve) => {
          this.savedImage(runId, node, filename, image);
          resolve();
        }),
    };
  }

  /** Stores the result, records the outcome on the row, then appends the terminal event. */
  finish(runId: string, outcome: RunOutcome): void {
    try {
      if (outcome.status === 'finished') {
        const resultPath = outcome.result ? this.d.artifacts.writeImage(runId, 'result', outcome.result, this.document(runId)) : null;
        const { event } = outcome;
        finishRun(this.d.db, runId, { status: 'finished', seconds: event.seconds, nfe: event.nfe, metrics: event.metrics, resultPath, cached: event.timings?.cached });
        this.d.log.append(runId, { ...event, ...(resultPath ? { result: this.d.artifacts.url(resultPath) } : {}) });
      } else if (outcome.status === 'failed') {
        const { error } = outcome;
        finishRun(this.d.db, runId, { status: 'failed', error: { node: error.node, code: error.code, message: error.message } });
        this.d.log.append(runId, { type: 'error', ...error });
      } else {
        finishRun(this.d.db, runId, { status: 'cancelled' });
        this.d.log.append(runId, { type: 'cancelled' });
      }
    } finally {
      this.forget(runId);
    }
    try {
      this.d.afterFinish?.(runId);
    } catch (e) {
      console.error(`run ${runId}: after it ended`, e);
    }
  }

  private document(runId: string): unknown {
    if (!this.documents.has(runId)) {
      const row = getRun(this.d.db, runId);
      this.documents.set(runId, row ? (JSON.parse(row.document) as unknown) : null);
    }
    return this.documents.get(runId);
  }

  private forget(runId: string): void {
    this.d.log.forget(runId);
    this.stores.delete(runId);
    this.documents.delete(runId);
  }
}
