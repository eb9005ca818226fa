/**
 * Run events: a typed emitter for live delivery, and the log that persists every event to
 * run_events before emitting it, so a subscriber can backfill from SQLite (after a reconnect
 * or a restart) and then tail live events without a gap.
 *
 * Each event is `{ id, runId, type, at, ...payload }` (docs/api.md); `id` is the per-run
 * sequence number as a string and doubles as the tracked() id / SSE lastEventId.
 */
import { EventEmitter, on } from 'node:events';
import type { RunEventPayload } from '../../lib/plan/types';
import type { Db } from '../db';
import { getRun } from '../db/runs';
import { TERMINAL_STATUSES, type RunEventRow } from '../db/schema';

export type RunEvent = RunEventPayload & { id: string; runId: string; at: number };

/** Event name -> listener arguments. */
export interface RunEvents {
  event: [RunEvent];
}

/** An EventEmitter whose event names and payloads are checked against RunEvents. */
class RunEventEmitter extends EventEmitter {
  constructor() {
    super();
    this.setMaxListeners(0);
  }

  override emit<K extends keyof RunEvents>(name: K, ...args: RunEvents[K]): boolean {
    return super.emit(name, ...args);
  }

  override on<K extends keyof RunEvents>(name: K, listener: (...args: RunEvents[K]) => void): this {
    return super.on(name, listener as (...a: unknown[]) => void);
  }

  override off<K extends keyof RunEvents>(name: K, listener: (...args: RunEvents[K]) => void): this {
    return super.off(name, listener as (...a: unknown[]) => void);
  }

  /** Events as an async iterable, buffered from the moment of the call; ends on `signal`. */
  toIterable<K extends keyof RunEvents>(name: K, opts: { signal?: AbortSignal } = {}): AsyncIterable<RunEvents[K]> {
    return on(this, name, opts) as AsyncIterable<RunEvents[K]>;
  }
}

export function isTerminalEvent(e: Pick<RunEvent, 'type'>): boolean {
  return e.type === 'finished' || e.type === 'error' || e.type === 'cancelled';
}

export class RunEventLog {
  readonly emitter = new RunEventEmitter();
  private readonly seqs = new Map<string, number>();
  private readonly insert;
  private readonly maxSeq;
  private readonly after;

  constructor(private readonly db: Db) {
    this.insert = db.prepare<[string, number, string, number, string]>('INSERT INTO run_events (run_id, seq, type, at, payload) VALUES (?, ?, ?, ?, ?)');
    this.maxSeq = db.prepare<[string], { m: number | null }>('SELECT MAX(seq) AS m FROM run_events WHERE run_id = ?');
    this.after = db.prepare<[string, number], RunEventRow>('SELECT * FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq');
  }

  private nextSeq(runId: string): number {
    const s = (this.seqs.get(runId) ?? this.maxSeq.get(runId)?.m ?? 0) + 1;
    this.seqs.set(runId, s);
    return s;
  }

  /** Persists the event, then emits it. */
  append(runId: string, payload: RunEventPayload, at = Date.now()): RunEvent {
    const seq = this.nextSeq(runId);
    this.insert.run(runId, seq, payload.type, at, JSON.stringify(payload));
    const event: RunEvent = { ...payload, id: String(seq), runId, at };
    this.emitter.emit('event', event);
    return event;
  }

  /** Stored events of a run after `afterSeq` (0: all), in order. */
  since(runId: string, afterSeq = 0): RunEvent[] {
    return this.after.all(runId, afterSeq).map((r) => ({ ...JSON.parse(r.payload), id: String(r.seq), runId: r.run_id, at: r.at }) as RunEvent);
  }

  /**
   * Live events of one run from the moment of this call (buffered until read, so subscribe
   * first and backfill second to miss nothing); ends quietly when `signal` aborts.
   */
  live(runId: string, signal: AbortSignal): AsyncIterable<RunEvent> {
    const source = this.emitter.toIterable('event', { signal }); // listens from now
    return (async function* () {
      try {
        for await (const [e] of source) if (e.runId === runId) yield e;
      } catch (err) {
        if ((err as Error).name !== 'AbortError') throw err;
      }
    })();
  }

  /** Forgets the in-memory sequence counter of a run (after it ends). */
  forget(runId: string): void {
    this.seqs.delete(runId);
  }
}

/**
 * Events of a run after `lastEventId` (stored ones first, then live ones) until its terminal
 * event, or until `signal` aborts. Listens before it backfills, so nothing appended in between is
 * lost (duplicates are skipped by id). Both run queues serve `run.events` through this.
 */
export async function* followRunEvents(db: Db, log: RunEventLog, runId: string, lastEventId: string | null | undefined, signal: AbortSignal): AsyncGenerator<RunEvent> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  signal.addEventListener('abort', stop, { once: true });
  const live = log.live(runId, ac.signal);
  let last = Number.parseInt(lastEventId ?? '0', 10) || 0;
  try {
    for (const e of log.since(runId, last)) {
      last = Number(e.id);
      yield e;
      if (isTerminalEvent(e)) return;
    }
    const now = getRun(db, runId);
    if (now && TERMINAL_STATUSES.includes(now.status)) {
      // Ended while we were backfilling: its last events are in SQLite already.
      for (const e of log.since(runId, last)) yield e;
      return;
    }
    for await (const e of live) {
      if (Number(e.id) <= last) continue;
      last = Number(e.id);
      yield e;
      if (isTerminalEvent(e)) return;
    }
  } finally {
    signal.removeEventListener('abort', stop);
    ac.abort();
  }
}
