/**
 * The tRPC context: the server's services (db, queue, env, assets, priors, artifacts...).
 * Routers reach state only through it, so tests pass their own (in-memory DB, temp data dir).
 */
import { getServices, type Services } from './services';

export type Context = Services;

/** For the HTTP handler: the process-wide services. */
export function createContext(): Context {
  return getServices();
}
