/**
 * The server's side of the workers' stream (protocol.ts): reads it in order from where it left
 * off and records each entry through the RunRecorder, in one SQLite transaction per batch
 * together with the new cursor, so a restarted server ingests what came while it was down,
 * exactly once. Entries of a run that has ended, or of an attempt older than the run's current
 * one (a worker that lost its lock and did not know yet), are dropped.
 */
import type { Redis } from 'ioredis';
import type { Db } from '../../db';
import { getQueueState, getRun, setQueueState } from '../../db/runs';
import { TERMINAL_STATUSES } from '../../db/schema';
import type { RunRecorder } from '../record';
import { decodeEntry, MAX_ATTEMPTS, type StreamEntry } from './protocol';

const CURSOR_KEY = 'events_cursor';
const BATCH = 64;
const BLOCK_MS = 1000;

export interface EventIngestDeps {
  db: Db;
  recorder: RunRecorder;
  /** A connection of its own: it blocks on XREAD. */
  redis: Redis;
  streamKey: string;
  /** Called after each batch with what it held (the queue updates positions on starts and ends). */
  onBatch?: (entries: StreamEntry[]) => void;
  log?: (line: string) => void;
}

export class EventIngest {
  private stopped = false;
  private loop: Promise<void> | null = null;
  /** True when the last read returned nothing new: the server has caught up with the workers. */
  caughtUp = false;

  constructor(private readonly d: EventIngestDeps) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** A call, not the field: the loop must see `stop()` called while it awaited (no narrowing). */
  private running(): boolean {
    return !this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.d.redis.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    const log = this.d.log ?? console.warn;
    while (this.running()) {
      const cursor = getQueueState(this.d.db, CURSOR_KEY) ?? '0-0';
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        reply = await this.d.redis.xreadBuffer('COUNT', BATCH, 'BLOCK', BLOCK_MS, 'STREAMS', this.d.streamKey, cursor);
      } catch (e) {
        if (!this.running()) return;
        log(`queue: reading the workers' stream failed (${e instanceof Error ? e.message : String(e)}); retrying`);
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      const items = reply?.[0]?.[1] ?? [];
      this.caughtUp = items.length === 0;
      if (items.length === 0) continue;
      const entries: StreamEntry[] = [];
      this.d.db.transaction(() => {
        for (const [id, fields] of items) {
          try {
            const e = decodeEntry(fields);
            this.apply(e);
            entries.push(e);
          } catch (err) {
            log(`queue: skipped stream entry ${id.toString()}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
        setQueueState(this.d.db, CURSOR_KEY, items[items.length - 1][0].toString());
      })();
      // Recorded: Redis need not keep them (entries nobody ingests expire with the queue TTL).
      await this.d.redis.xtrim(this.d.streamKey, 'MINID', items[items.length - 1][0]).catch(() => undefined);
      this.d.onBatch?.(entries);
    }
  }

  /** Records one entry (synchronously, inside the batch's transaction). */
  private apply(e: StreamEntry): void {
    const row = getRun(this.d.db, e.runId);
    if (!row || TERMINAL_STATUSES.includes(row.status) || e.attempt < row.attempts) return;
    // Back in line after a retry: whatever comes before the next start is the old attempt's.
    if (e.kind !== 'start' && row.status === 'queued') return;
    const rec = this.d.recorder;
    switch (e.kind) {
      case 'start':
        // A retry nobody announced yet (the reconcile pass had not seen the run back in line).
        if (e.attempt > 1 && row.status === 'running' && e.attempt > row.attempts) {
          rec.retry(e.runId, e.attempt, MAX_ATTEMPTS, workerStopped(row.worker));
        }
        rec.started(e.runId, e.worker, e.attempt);
        return;
      case 'event':
        rec.event(e.runId, e.event);
        return;
      case 'tensor':
        rec.tensor(e.runId, e.tensor);
        return;
      case 'image':
        rec.savedImage(e.runId, e.node, e.filename, e.image);
        return;
      case 'end':
        rec.finish(e.runId, e.outcome);
        return;
    }
  }
}

/** Why a run is retried: its worker (from the run row's JSON) stopped. */
export function workerStopped(workerJson: string | null): string {
  const w = workerJson ? (JSON.parse(workerJson) as { name?: string; host?: string; pid?: number }) : null;
  return w?.name ? `worker ${w.name} (${w.host ?? '?'}, pid ${w.pid ?? '?'}) stopped while running it` : 'its worker stopped while running it';
}
