/**
 * What the server and `spgd worker` processes exchange through Redis, besides BullMQ's own
 * job bookkeeping:
 *
 * - a job per run (BullMQ queue `runs`, job id = run id): the compiled plan and the content
 *   hashes of the images and models it needs (workers fetch those from the server and cache them);
 * - one stream of everything a worker reports (`<prefix>:studio:events`), entries
 *   `{ r: runId, a: attempt, k: kind, m: JSON meta, d?: raw float32 bytes }`, trimmed to the
 *   queue TTL, which the server ingests in order into SQLite and the run's artifacts;
 * - cancel requests: a key per run (a worker checks it when it takes the run) and a pub/sub
 *   message (a worker running it aborts between network calls);
 * - one heartbeat key per worker (its WorkerInfo as JSON, expiring when it stops), and a set of
 *   their ids, for the Workers panel.
 */
import { SpgdError } from '../../../lib/errors';
import type { StoredTensor } from '../../../lib/plan/execute';
import type { Plan, RunEventPayload, TensorKind } from '../../../lib/plan/types';
import { tensor, type Tensor } from '../../../lib/tensor';
import type { WorkerRef } from '../../db/runs';
import type { RunOutcome } from '../execute-run';
import type { RunPriority } from '../types';

export const QUEUE_NAME = 'runs';
export const JOB_NAME = 'run';

/** A run starts at most this often: the first start and two more after its worker stopped. */
export const MAX_ATTEMPTS = 3;

/** BullMQ priorities (1 is served first). */
export const PRIORITY: Record<RunPriority, number> = { interactive: 1, batch: 10 };

export interface RunJobData {
  runId: string;
  plan: Plan;
  /** Image source or model id ('sample:<name>', 'sha256:<hex>', 'default') -> sha256 of its bytes. */
  assets: Record<string, string>;
  priority: RunPriority;
  /** Starts the run had before this job (a job queued again after Redis lost it continues the count). */
  attemptBase: number;
}

export function redisKeys(prefix: string) {
  const base = `${prefix}:studio`;
  return {
    events: `${base}:events`,
    cancelChannel: `${base}:cancel`,
    cancel: (runId: string) => `${base}:cancel:${runId}`,
    workers: `${base}:workers`,
    worker: (id: string) => `${base}:worker:${id}`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

// ------------------------------------------------------------------------------ stream entries

/** What a worker reports about one attempt of a run, in order. */
export type StreamEntry =
  | { kind: 'start'; runId: string; attempt: number; worker: WorkerRef }
  | { kind: 'event'; runId: string; attempt: number; event: RunEventPayload }
  | { kind: 'tensor'; runId: string; attempt: number; tensor: StoredTensor }
  | { kind: 'image'; runId: string; attempt: number; node: string; filename: string; image: Tensor }
  | { kind: 'end'; runId: string; attempt: number; outcome: RunOutcome };

interface TensorMeta {
  shape: number[];
}

/**
 * Float32 data as raw little-endian bytes, copied: while Redis is unreachable the command waits
 * in memory, and the executor may reuse the tensor's buffer meanwhile.
 */
function bytesOf(t: Tensor): Buffer {
  return Buffer.from(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function tensorOf(shape: number[], data: Buffer | undefined): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (!data || data.byteLength !== 4 * n) throw new SpgdError('BAD_INPUT', `a streamed tensor of shape [${shape.join(', ')}] has ${data?.byteLength ?? 0} bytes`);
  // Copied into its own aligned buffer: the Redis reply's offset may not be a multiple of 4.
  const out = new Float32Array(n);
  new Uint8Array(out.buffer).set(data);
  return tensor(shape, out);
}

/** The fields of an XADD for an entry. */
export function encodeEntry(e: StreamEntry): (string | Buffer)[] {
  const head = ['r', e.runId, 'a', String(e.attempt), 'k', e.kind];
  switch (e.kind) {
    case 'start':
      return [...head, 'm', JSON.stringify({ worker: e.worker })];
    case 'event':
      return [...head, 'm', JSON.stringify(e.event)];
    case 'tensor': {
      const { tensor: t, ...meta } = e.tensor;
      return [...head, 'm', JSON.stringify({ ...meta, shape: t.shape }), 'd', bytesOf(t)];
    }
    case 'image':
      return [...head, 'm', JSON.stringify({ node: e.node, filename: e.filename, shape: e.image.shape }), 'd', bytesOf(e.image)];
    case 'end': {
      const o = e.outcome;
      if (o.status === 'finished' && o.result) {
        return [...head, 'm', JSON.stringify({ ...o, result: null, shape: o.result.shape }), 'd', bytesOf(o.result)];
      }
      return [...head, 'm', JSON.stringify(o)];
    }
  }
}

const KINDS = new Set(['start', 'event', 'tensor', 'image', 'end']);

/** An entry from the flat [field, value, ...] list XREAD returns (as buffers). */
export function decodeEntry(fields: Buffer[]): StreamEntry {
  const f = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i].toString(), fields[i + 1]);
  const runId = f.get('r')?.toString() ?? '';
  const attempt = Number(f.get('a')?.toString());
  const kind = f.get('k')?.toString() ?? '';
  const metaText = f.get('m')?.toString();
  if (!runId || !Number.isInteger(attempt) || !KINDS.has(kind) || metaText === undefined) {
    throw new SpgdError('BAD_INPUT', `malformed stream entry (run '${runId}', attempt '${String(attempt)}', kind '${kind}')`);
  }
  const data = f.get('d');
  const base = { runId, attempt };
  switch (kind) {
    case 'start':
      return { ...base, kind, worker: (JSON.parse(metaText) as { worker: WorkerRef }).worker };
    case 'event':
      return { ...base, kind, event: JSON.parse(metaText) as RunEventPayload };
    case 'tensor': {
      const m = JSON.parse(metaText) as TensorMeta & { node: string; port: string; step?: number; kind: TensorKind };
      return { ...base, kind, tensor: { node: m.node, port: m.port, step: m.step, kind: m.kind, tensor: tensorOf(m.shape, data) } };
    }
    case 'image': {
      const m = JSON.parse(metaText) as TensorMeta & { node: string; filename: string };
      return { ...base, kind, node: m.node, filename: m.filename, image: tensorOf(m.shape, data) };
    }
    default: {
      const m = JSON.parse(metaText) as RunOutcome & Partial<TensorMeta>;
      if (m.status === 'finished' && m.shape) {
        const { shape, ...o } = m;
        return { ...base, kind: 'end', outcome: { ...o, result: tensorOf(shape, data) } };
      }
      return { ...base, kind: 'end', outcome: m };
    }
  }
}
