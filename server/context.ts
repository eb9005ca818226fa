/**
 * The tRPC context: the server's services (db, queue, env, assets, priors, artifacts...) and
 * who is asking (`principal`, server/auth.ts). Routers reach state only through it, so tests
 * pass their own (in-memory DB, temp data dir, a principal of their choice).
 */
import { TRPCError } from '@trpc/server';
import { authenticate, type Principal } from './auth';
import { getServices, type Services } from './services';

export type Context = Services & { principal: Principal };

/**
 * For the HTTP handler: the process-wide services and the request's principal. The HTTP gate
 * (server/http/gate.ts) has already answered 401 to a request without a valid credential; this
 * check repeats it so the API never runs for an unknown caller, whatever serves it.
 */
export function createContext({ req }: { req: Request }): Context {
  const services = getServices();
  const principal = authenticate(
    { db: services.db, token: services.env.authToken },
    { authorization: req.headers.get('authorization'), cookie: req.headers.get('cookie') },
  );
  if (!principal) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'log in, or send Authorization: Bearer <token>' });
  return { ...services, principal };
}
