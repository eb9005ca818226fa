/**
 * Redis connections (ioredis) for the distributed queue. URLs are `redis://[:password@]host:port/db`
 * or `rediss://...` for TLS (ioredis reads user, password, db and TLS from the URL). Every
 * connection reconnects by itself, forever, with a capped back-off; what differs is how a command
 * behaves while it is down:
 *
 * - 'fail-fast' (the server's commands): refused at once, so `run.start` can answer "queue
 *   unavailable" instead of hanging;
 * - 'patient' (workers, and blocking reads): held and sent after the reconnect, so a worker that
 *   loses Redis for a while loses nothing it reported.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { SpgdError } from '../../../lib/errors';

export type ConnectionRole = 'fail-fast' | 'patient';

/** Reconnect after 100 ms, 200 ms, ... at most every 2 s. */
const retryStrategy = (times: number) => Math.min(times * 100, 2000);

export function redisOptions(role: ConnectionRole): RedisOptions {
  return role === 'fail-fast'
    ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy }
    : { enableOfflineQueue: true, maxRetriesPerRequest: null, connectTimeout: 5000, retryStrategy };
}

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured Redis URL';
  }
}

/**
 * A connection to `url`. Connection errors are logged once per outage (ioredis keeps retrying;
 * `name` says whose connection it is).
 */
export function connectRedis(url: string, role: ConnectionRole, name: string, log: (line: string) => void = console.warn): Redis {
  const redis = new Redis(url, { ...redisOptions(role), connectionName: name });
  let down = false;
  redis.on('error', (e: Error) => {
    if (down) return;
    down = true;
    log(`${name}: Redis at ${redactRedisUrl(url)} is unreachable (${e.message}); reconnecting`);
  });
  redis.on('ready', () => {
    if (down) log(`${name}: reconnected to Redis`);
    down = false;
  });
  return redis;
}

/** The error `run.start` answers while Redis cannot be reached. */
export function queueUnavailable(url: string, cause?: unknown): SpgdError {
  const why = cause instanceof Error ? ` (${cause.message})` : '';
  return new SpgdError('QUEUE_UNAVAILABLE', `the run queue is unavailable: Redis at ${redactRedisUrl(url)} cannot be reached${why}; nothing was queued, try again when it is back`);
}
