/**
 * A worker of the distributed queue: takes runs from BullMQ (interactive before batch), executes
 * each with the same executor as the embedded runner (server/queue/execute-run.ts), and streams
 * everything it reports to the server through Redis (protocol.ts): its start, the run events,
 * published tensors, Save image outputs and the outcome with the result image. `spgd worker`
 * runs one per process; a server with SPGD_LOCAL_WORKER=1 runs one inside itself.
 *
 * Faults: a worker that dies (kill -9, lost machine) stops renewing its lock, and BullMQ's
 * stalled-job check (run by every worker) puts the run back in line for another worker, at most
 * MAX_ATTEMPTS starts in all. A worker that loses Redis keeps running and holds its reports
 * until it is back (ioredis reconnects by itself); if meanwhile its lock ran out it drops the
 * run, whose newer attempt elsewhere is the one recorded. Cancel: a pub/sub message aborts the
 * run here between network calls; a cancel that came before the worker took it is a key it checks.
 */
import os from 'node:os';
import { WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ExecuteAdapters, OutputCache } from '../../../lib/plan/execute';
import type { WorkerRef } from '../../db/runs';
import type { QueueEnv } from '../../env';
import { executeRun, type RunOutcome, type RunSink } from '../execute-run';
import type { WorkerInfo } from '../types';
import { connectRedis } from './connection';
import { encodeEntry, MAX_ATTEMPTS, QUEUE_NAME, redisKeys, type RunJobData, type StreamEntry } from './protocol';

/** How often a worker says it is alive (its heartbeat key lives three times as long). */
export const HEARTBEAT_MS = 2000;

export interface RunWorkerOptions {
  redisUrl: string;
  queue: { prefix: QueueEnv['SPGD_REDIS_PREFIX']; lockMs: number; ttlSeconds: number };
  /** Who this worker is and what it runs on (the id is made unique per process). */
  self: Pick<WorkerInfo, 'name' | 'backend' | 'device' | 'concurrency' | 'local'>;
  /** The executor's image and prior adapters for a job. */
  adapters: (data: RunJobData) => Omit<ExecuteAdapters, 'saveImage'>;
  /** Node outputs kept between runs (by content key). */
  cache?: OutputCache;
  log?: (line: string) => void;
}

interface Active {
  controller: AbortController;
  /** Its lock ran out: another worker may be running it now. */
  lost: boolean;
  /** The worker is shutting down and hands it back to the queue. */
  abandoned: boolean;
}

export class RunWorker {
  readonly info: Omit<WorkerInfo, 'running' | 'seenAt'>;
  private readonly keys;
  private readonly worker: Worker<RunJobData, { status: RunOutcome['status'] }>;
  private readonly jobs: Redis;
  private readonly out: Redis;
  private readonly sub: Redis;
  private readonly active = new Map<string, Active>();
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly log: (line: string) => void;
  private closing: Promise<void> | null = null;

  constructor(private readonly o: RunWorkerOptions) {
    this.log = o.log ?? ((line) => console.log(line));
    const host = os.hostname();
    this.info = { ...o.self, id: `${o.self.name}@${host}:${process.pid}`, host, pid: process.pid, startedAt: Date.now() };
    this.keys = redisKeys(o.queue.prefix);
    const name = `worker ${o.self.name}`;
    this.jobs = connectRedis(o.redisUrl, 'patient', `${name} (jobs)`, this.log);
    this.out = connectRedis(o.redisUrl, 'patient', `${name} (reports)`, this.log);
    this.sub = connectRedis(o.redisUrl, 'patient', `${name} (cancel)`, this.log);
    this.worker = new Worker<RunJobData, { status: RunOutcome['status'] }>(QUEUE_NAME, (job, token) => this.process(job, token), {
      connection: this.jobs,
      prefix: o.queue.prefix,
      name: this.info.id,
      concurrency: o.self.concurrency,
      lockDuration: o.queue.lockMs,
      stalledInterval: Math.max(1000, Math.round(o.queue.lockMs / 2)),
      maxStalledCount: MAX_ATTEMPTS - 1,
      maxStartedAttempts: MAX_ATTEMPTS,
    });
    this.worker.on('error', (e) => this.log(`worker ${o.self.name}: ${e.message}`));
    this.worker.on('lockRenewalFailed', (ids) => {
      for (const id of ids) {
        const a = this.active.get(id);
        if (!a) continue;
        a.lost = true;
        a.controller.abort();
      }
    });
    this.worker.on('stalled', (id) => this.log(`run ${id}: its worker stopped; queued again for another worker`));
    void this.sub.subscribe(this.keys.cancelChannel).catch((e: unknown) => this.log(`worker ${o.self.name}: cannot listen for cancels: ${String(e)}`));
    this.sub.on('message', (_channel: string, runId: string) => this.active.get(runId)?.controller.abort());
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    void this.beat();
  }

  get ref(): WorkerRef {
    const { id, name, host, pid, backend } = this.info;
    return { id, name, host, pid, backend };
  }

  /** Resolves once the worker can take jobs. */
  async ready(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  private async beat(): Promise<void> {
    if (this.closing) return;
    const info: WorkerInfo = { ...this.info, running: [...this.active.keys()], seenAt: Date.now() };
    try {
      await this.out.multi().set(this.keys.worker(this.info.id), JSON.stringify(info), 'PX', 3 * HEARTBEAT_MS).sadd(this.keys.workers, this.info.id).exec();
    } catch (e) {
      this.log(`worker ${this.o.self.name}: heartbeat failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async process(job: Job<RunJobData>, token: string | undefined): Promise<{ status: RunOutcome['status'] }> {
    const data = job.data;
    const { runId } = data;
    const attempt = data.attemptBase + Math.max(1, job.attemptsStarted);
    const me: Active = { controller: new AbortController(), lost: false, abandoned: false };
    this.active.set(runId, me);
    void this.beat();
    const pending: Promise<unknown>[] = [];
    const trimBefore = () => String(Date.now() - this.o.queue.ttlSeconds * 1000);
    const send = (e: StreamEntry) => {
      pending.push(
        this.out.xadd(this.keys.events, 'MINID', '~', trimBefore(), '*', ...encodeEntry(e)).catch((err: unknown) => {
          this.log(`run ${runId}: a report was lost: ${err instanceof Error ? err.message : String(err)}`);
        }),
      );
    };
    const label = `${this.info.name} · ${this.info.backend}`;
    const sink: RunSink = {
      event: (event) => send({ kind: 'event', runId, attempt, event: event.type === 'started' ? { ...event, backend: label } : event }),
      tensor: (tensor) => send({ kind: 'tensor', runId, attempt, tensor }),
      savedImage: ({ node, filename, image }) => {
        send({ kind: 'image', runId, attempt, node, filename, image });
        return Promise.resolve();
      },
    };
    this.log(`run ${runId}: started (attempt ${attempt} of ${MAX_ATTEMPTS})`);
    try {
      send({ kind: 'start', runId, attempt, worker: this.ref });
      const cancelledEarly = (await this.out.exists(this.keys.cancel(runId))) > 0;
      const outcome: RunOutcome = cancelledEarly
        ? { status: 'cancelled' }
        : await executeRun(data.plan, this.o.adapters(data), sink, { signal: me.controller.signal, cache: this.o.cache });
      if (me.lost || me.abandoned) {
        await Promise.all(pending);
        if (me.abandoned) {
          // Back in line at once (not after its lock runs out): another worker takes it next.
          await job.moveToWait(token);
          this.log(`run ${runId}: handed back to the queue (this worker is shutting down)`);
        } else this.log(`run ${runId}: lost its lock (Redis unreachable too long); left to the attempt that replaces it`);
        // Tells BullMQ the job is no longer ours: it records no outcome for it.
        throw new WaitingError();
      }
      send({ kind: 'end', runId, attempt, outcome });
      await Promise.all(pending);
      this.log(`run ${runId}: ${outcome.status}${outcome.status === 'failed' ? ` (${outcome.error.message})` : ''}`);
      return { status: outcome.status };
    } finally {
      this.active.delete(runId);
      void this.beat();
    }
  }

  /** Stops the runs in progress at their next network call and puts them back in line for another worker. */
  handBack(): void {
    for (const a of this.active.values()) {
      a.abandoned = true;
      a.controller.abort();
    }
  }

  /**
   * Stops taking runs and resolves when the runs in progress have ended (with `handBack`: once
   * they are back in line), and the worker has left the Workers panel.
   */
  close(handBack = false): Promise<void> {
    if (handBack) this.handBack();
    this.closing ??= (async () => {
      clearInterval(this.heartbeat);
      await this.worker.close();
      await this.out
        .multi()
        .del(this.keys.worker(this.info.id))
        .srem(this.keys.workers, this.info.id)
        .exec()
        .catch(() => undefined);
      for (const r of [this.sub, this.out, this.jobs]) r.disconnect();
    })();
    return this.closing;
  }
}
