/**
 * The distributed run queue, the server's side: runs become BullMQ jobs on Redis (interactive
 * before batch), `spgd worker` processes anywhere execute them, and what they stream back is
 * recorded as if the server had run them itself (ingest.ts -> RunRecorder), so run.events,
 * run.get, tensor.get and the artifacts work unchanged. The server only queues, unless it runs a
 * worker of its own (SPGD_LOCAL_WORKER=1, set up in services.ts).
 *
 * A reconcile pass (every second, and after each batch that starts or ends runs) keeps SQLite and
 * Redis in step: it announces queue positions across all workers, notices a run whose worker
 * stopped and that waits for another (`retry` event), records runs BullMQ gave up on (stalled
 * MAX_ATTEMPTS times), and queues again a run whose job Redis lost (a restart without
 * persistence), so no queued run is lost. Redis down: `run.start` answers QUEUE_UNAVAILABLE at
 * once; everything resumes when it is back.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Plan } from '../../../lib/plan/types';
import type { AssetStore } from '../../assets';
import type { Db } from '../../db';
import { getRun, unfinishedRuns } from '../../db/runs';
import { TERMINAL_STATUSES, type RunRow, type RunStatus } from '../../db/schema';
import type { Env } from '../../env';
import { followRunEvents, isTerminalEvent, type RunEvent, type RunEventLog } from '../events';
import type { RunRecorder } from '../record';
import type { QueueOverview, RunPriority, RunQueue, WorkerInfo } from '../types';
import { connectRedis, queueUnavailable, redactRedisUrl } from './connection';
import { EventIngest, workerStopped } from './ingest';
import { JOB_NAME, MAX_ATTEMPTS, PRIORITY, QUEUE_NAME, redisKeys, type RunJobData, type StreamEntry } from './protocol';

const RECONCILE_MS = 1000;
/** How long a request waits for Redis while the connection is being (re)made, before answering "unavailable". */
const READY_WAIT_MS = 2000;
/** A finished job whose report has not arrived this long after the server caught up: it never will. */
const REPORT_GRACE_MS = 30_000;

export interface BullQueueDeps {
  db: Db;
  log: RunEventLog;
  recorder: RunRecorder;
  /** Content hashes of the images and models a plan names (what workers fetch). */
  assets: Pick<AssetStore, 'contentHash'>;
  redisUrl: string;
  queue: Env['queue'];
  /** How long `cancel` waits for a running run to stop (default 30 s). */
  cancelWaitMs?: number;
  logLine?: (line: string) => void;
}

export class BullRunQueue implements RunQueue {
  readonly kind = 'bullmq' as const;
  private readonly keys;
  private readonly cmd: Redis;
  private queue: Queue<RunJobData> | null = null;
  private readonly ingest: EventIngest;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly say: (line: string) => void;
  /** Positions last announced per queued run. */
  private readonly announced = new Map<string, number>();
  /** Runs seen back in line while recorded as running (a retry is announced when seen twice). */
  private readonly suspects = new Map<string, number>();
  /** Runs whose job is being added right now. */
  private readonly adding = new Set<string>();
  private reconciling = false;
  private again = false;
  private closed = false;

  constructor(private readonly d: BullQueueDeps) {
    this.say = d.logLine ?? ((line) => console.warn(line));
    this.keys = redisKeys(d.queue.prefix);
    this.cmd = connectRedis(d.redisUrl, 'fail-fast', 'server', this.say);
    // BullMQ's queue is made on the first connection: it cannot initialise without Redis.
    this.cmd.on('ready', () => {
      if (!this.queue && !this.closed) {
        this.queue = new Queue<RunJobData>(QUEUE_NAME, { connection: this.cmd, prefix: d.queue.prefix });
        this.queue.on('error', (e) => this.say(`queue: ${e.message}`));
      }
      this.kick();
    });
    this.ingest = new EventIngest({
      db: d.db,
      recorder: d.recorder,
      redis: connectRedis(d.redisUrl, 'patient', 'server (ingest)', this.say),
      streamKey: this.keys.events,
      onBatch: (entries: StreamEntry[]) => {
        if (entries.some((e) => e.kind === 'start' || e.kind === 'end')) this.kick();
      },
      log: this.say,
    });
    this.ingest.start();
    this.timer = setInterval(() => this.kick(), RECONCILE_MS);
  }

  private get available(): boolean {
    return this.cmd.status === 'ready' && this.queue !== null;
  }

  /** BullMQ's queue, once Redis answers (waiting a moment while the connection is being made). */
  private async ready(): Promise<Queue<RunJobData>> {
    if (!this.available && !this.closed && this.cmd.status !== 'end') {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.cmd.off('ready', done);
          resolve();
        };
        const timer = setTimeout(done, READY_WAIT_MS);
        this.cmd.on('ready', done);
      });
    }
    if (!this.queue || this.cmd.status !== 'ready') throw queueUnavailable(this.d.redisUrl);
    return this.queue;
  }

  async enqueue(runId: string, priority: RunPriority = 'interactive'): Promise<number> {
    const queue = await this.ready();
    const row = getRun(this.d.db, runId);
    if (!row) throw new Error(`no run '${runId}' to queue`);
    this.adding.add(runId);
    try {
      await this.add(queue, row, priority);
    } catch (e) {
      throw queueUnavailable(this.d.redisUrl, e);
    } finally {
      this.adding.delete(runId);
    }
    const position = (await this.position(runId).catch(() => null)) ?? 1;
    this.announce(runId, position);
    this.kick();
    return position;
  }

  private async add(queue: Queue<RunJobData>, row: RunRow, priority: RunPriority): Promise<void> {
    const plan = JSON.parse(row.plan) as Plan;
    const assets: Record<string, string> = {};
    for (const id of assetIds(plan)) {
      const sha = this.d.assets.contentHash(id);
      if (sha) assets[id] = sha;
    }
    const keepFor = this.d.queue.ttlSeconds;
    await queue.add(JOB_NAME, { runId: row.id, plan, assets, priority, attemptBase: row.attempts }, {
      jobId: row.id,
      priority: PRIORITY[priority],
      removeOnComplete: { age: keepFor, count: 1000 },
      removeOnFail: { age: keepFor },
    });
  }

  /** Job ids in the order workers will take them. */
  private async line(queue: Queue<RunJobData>): Promise<string[]> {
    const [wait, prioritized] = await Promise.all([queue.getRanges(['wait'], 0, -1, true), queue.getRanges(['prioritized'], 0, -1, true)]);
    return [...wait, ...prioritized];
  }

  async position(runId: string): Promise<number | null> {
    if (!this.available) return null;
    const queue = await this.ready();
    const state = await queue.getJobState(runId);
    if (state === 'active') return 0;
    if (state !== 'waiting' && state !== 'prioritized') return null;
    const i = (await this.line(queue)).indexOf(runId);
    return i < 0 ? null : i + 1;
  }

  /** Appends a `queued` event when a queued run's position changed. */
  private announce(runId: string, position: number): void {
    if (this.announced.get(runId) === position || getRun(this.d.db, runId)?.status !== 'queued') return;
    this.announced.set(runId, position);
    this.d.log.append(runId, { type: 'queued', position });
  }

  async cancel(runId: string): Promise<RunStatus | null> {
    const row = getRun(this.d.db, runId);
    if (!row) return null;
    if (TERMINAL_STATUSES.includes(row.status)) return row.status;
    const queue = await this.ready();
    const state = await queue.getJobState(runId);
    if (state === 'unknown' && !this.adding.has(runId)) {
      // Never reached Redis (or Redis lost it): nothing runs it.
      this.d.recorder.finish(runId, { status: 'cancelled' });
      return 'cancelled';
    }
    if ((state === 'waiting' || state === 'prioritized' || state === 'delayed') && (await queue.remove(runId)) === 1) {
      this.d.recorder.finish(runId, { status: 'cancelled' });
      this.kick();
      return 'cancelled';
    }
    // Running on a worker (or just taken by one): tell every worker; the one running it stops
    // at its next network call, a worker taking it later sees the key.
    await this.cmd.multi().set(this.keys.cancel(runId), '1', 'EX', this.d.queue.ttlSeconds).publish(this.keys.cancelChannel, runId).exec();
    await this.untilEnded(runId, this.d.cancelWaitMs ?? 30_000);
    return getRun(this.d.db, runId)?.status ?? null;
  }

  /** Resolves when the run has ended, or after `ms`. */
  private untilEnded(runId: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.d.log.emitter.off('event', onEvent);
        resolve();
      };
      const onEvent = (e: RunEvent) => {
        if (e.runId === runId && isTerminalEvent(e)) done();
      };
      const timer = setTimeout(done, ms);
      this.d.log.emitter.on('event', onEvent);
      const row = getRun(this.d.db, runId);
      if (!row || TERMINAL_STATUSES.includes(row.status)) done();
    });
  }

  events(runId: string, lastEventId: string | null | undefined, signal: AbortSignal) {
    return followRunEvents(this.d.db, this.d.log, runId, lastEventId, signal);
  }

  async overview(): Promise<QueueOverview> {
    if (!this.available) {
      return { kind: this.kind, available: false, message: queueUnavailable(this.d.redisUrl).message, workers: [], waiting: 0, running: 0 };
    }
    const queue = await this.ready();
    const ids = await this.cmd.smembers(this.keys.workers);
    const values = ids.length ? await this.cmd.mget(ids.map((id) => this.keys.worker(id))) : [];
    const workers: WorkerInfo[] = [];
    const gone: string[] = [];
    values.forEach((v, i) => {
      if (v) workers.push(JSON.parse(v) as WorkerInfo);
      else gone.push(ids[i]);
    });
    if (gone.length) await this.cmd.srem(this.keys.workers, ...gone);
    const counts = await queue.getJobCounts('wait', 'prioritized', 'active');
    workers.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    return { kind: this.kind, available: true, workers, waiting: counts.wait + counts.prioritized, running: counts.active };
  }

  onIdle(): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = () => {
        if (unfinishedRuns(this.d.db, 'bullmq').length > 0) return;
        this.d.log.emitter.off('event', onEvent);
        resolve();
      };
      const onEvent = (e: RunEvent) => {
        if (isTerminalEvent(e)) check();
      };
      this.d.log.emitter.on('event', onEvent);
      check();
    });
  }

  /** Runs a reconcile pass soon (one at a time; a request during a pass runs another after it). */
  private kick(): void {
    if (this.closed) return;
    if (this.reconciling) {
      this.again = true;
      return;
    }
    this.reconciling = true;
    void this.reconcile()
      .catch((e: unknown) => {
        if (this.available) this.say(`queue: reconcile failed: ${e instanceof Error ? e.message : String(e)}`);
      })
      .finally(() => {
        this.reconciling = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async reconcile(): Promise<void> {
    if (!this.available) return;
    const queue = await this.ready();
    const rows = unfinishedRuns(this.d.db, 'bullmq');
    if (rows.length === 0) {
      this.announced.clear();
      this.suspects.clear();
      return;
    }
    const [line, active] = await Promise.all([this.line(queue), queue.getRanges(['active'], 0, -1)]);
    const activeIds = new Set(active);
    const missing: RunRow[] = [];
    for (const { id } of rows) {
      const row = getRun(this.d.db, id); // read again: ingest may have moved it on meanwhile
      if (!row || TERMINAL_STATUSES.includes(row.status)) continue;
      const i = line.indexOf(id);
      if (i >= 0) {
        if (row.status === 'running') this.maybeRetry(row);
        this.announce(id, i + 1);
      } else if (!activeIds.has(id) && !this.adding.has(id)) missing.push(row);
      if (i < 0 || row.status !== 'running') this.suspects.delete(id);
    }
    for (const row of missing) await this.settleMissing(queue, row);
    for (const id of this.announced.keys()) if (getRun(this.d.db, id)?.status !== 'queued') this.announced.delete(id);
  }

  /** A run recorded as running is back in line: its worker stopped (announced when seen twice in a row). */
  private maybeRetry(row: RunRow): void {
    if (this.suspects.get(row.id) !== row.attempts) {
      this.suspects.set(row.id, row.attempts);
      return;
    }
    this.suspects.delete(row.id);
    this.d.recorder.retry(row.id, row.attempts + 1, MAX_ATTEMPTS, workerStopped(row.worker));
  }

  /** A run that is neither waiting nor running in Redis. */
  private async settleMissing(queue: Queue<RunJobData>, row: RunRow): Promise<void> {
    const job = await queue.getJob(row.id);
    const now = getRun(this.d.db, row.id);
    if (!now || TERMINAL_STATUSES.includes(now.status) || this.adding.has(row.id)) return;
    if (!job) {
      this.say(`run ${row.id}: its job is missing from Redis (restarted without its data?); queued it again`);
      if (now.status === 'running' || now.attempts > 0) this.d.recorder.retry(row.id, now.attempts + 1, MAX_ATTEMPTS, 'the queue lost it (Redis restarted without its data)');
      this.adding.add(row.id);
      try {
        await this.add(queue, now, now.priority);
      } finally {
        this.adding.delete(row.id);
      }
      return;
    }
    const state = await job.getState();
    if (state === 'failed') {
      const stalled = /stalled|attempts/i.test(job.failedReason);
      this.d.recorder.finish(row.id, {
        status: 'failed',
        error: stalled
          ? { code: 'WORKER_LOST', message: `its worker stopped ${MAX_ATTEMPTS} times while running it (last: ${workerStopped(now.worker)}); it was not started again` }
          : { code: 'INTERNAL', message: `the worker failed: ${job.failedReason}` },
      });
    } else if (state === 'completed' && this.ingest.caughtUp && Date.now() - (job.finishedOn ?? Date.now()) > REPORT_GRACE_MS) {
      this.d.recorder.finish(row.id, {
        status: 'failed',
        error: { code: 'RESULT_LOST', message: `its worker finished it, but the report never reached the server within the queue TTL (${this.d.queue.ttlSeconds} s)` },
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.ingest.stop();
    await this.queue?.close().catch(() => undefined);
    this.cmd.disconnect();
  }

  /** For messages: where the queue lives, without the password. */
  get where(): string {
    return redactRedisUrl(this.d.redisUrl);
  }
}

/** The image sources and prior models a plan names (what a worker must fetch), without naming node types. */
export function assetIds(plan: Plan): string[] {
  const ids = new Set(plan.models.filter((m) => m !== 'gaussian'));
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (/^(sample:|sha256:)/.test(v)) ids.add(v);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  for (const s of plan.steps) visit(s.params);
  return [...ids];
}
