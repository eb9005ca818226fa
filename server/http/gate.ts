/**
 * The HTTP gate: every request passes here before Next.js sees it (server/http/serve.ts).
 * In order:
 *
 * 1. security headers on the response (headers.ts), the CSP nonce on the request;
 * 2. Host must name this server (hosts.ts), else 403 (DNS rebinding);
 * 3. a body must declare its length (411 otherwise) and stay within the route's limit, checked
 *    before a byte of it is read (413): uploads SPGD_MAX_IMAGE_BYTES / SPGD_MAX_MODEL_BYTES
 *    (as base64 or multipart), calls that take a graph document SPGD_MAX_JSON_BYTES plus room
 *    for the files a document may carry (run.record, a browser run's record, also its result
 *    picture: up to SPGD_MAX_IMAGE_BYTES as base64), everything else SPGD_MAX_JSON_BYTES;
 * 4. a state-changing request (not GET/HEAD/OPTIONS) from a browser must come from this origin
 *    (`Sec-Fetch-Site`, else `Origin`), else 403 (cross-site requests and uploads);
 * 5. credentials (server/auth.ts), unless the path is public (the login page, its assets, the
 *    login and logout endpoints): 401, or a redirect to /login for a page. The distributed
 *    workers' routes (/api/worker/*) take the workers' token (SPGD_WORKER_TOKEN) instead of a
 *    user's session when the server sets one (else the usual credentials, e.g. SPGD_AUTH_TOKEN);
 * 6. a per-client rate limit on tRPC calls that change state (429 with Retry-After);
 * 7. POST /api/auth/login and /api/auth/logout are answered here (login.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { MAX_EMBEDDED_ASSET_BYTES } from '../../lib/graph/document';
import { authenticate, LOCAL_PRINCIPAL, type AuthConfig, type Principal } from '../auth';
import { workerAuthorized } from '../worker-assets';
import type { Env } from '../env';
import { securityHeaders, newNonce } from './headers';
import { isAllowedHost } from './hosts';
import { loginHandlers, LOGIN_PATH } from './login';
import { answer, redirect } from './respond';

export interface GateConfig {
  env: Pick<Env, 'allowedHosts' | 'maxJsonBytes' | 'maxImageBytes' | 'maxModelBytes' | 'rateLimit'> & Partial<Pick<Env, 'workerToken'>>;
  auth: AuthConfig;
  /** `next dev`: the dev server's own endpoints are public and the CSP lets fast refresh evaluate code. */
  dev: boolean;
}

/** Answers a request itself (true) or leaves it to Next.js (false). */
export type Gate = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TRPC_PREFIX = '/api/trpc/';
/** Routes distributed workers read assets from (GET only). */
const WORKER_PREFIX = '/api/worker/';
/** Room for multipart boundaries and JSON around an upload. */
const UPLOAD_SLACK = 64 * 1024;
/** Procedures whose input is a graph document, which may carry files (masks, small photos). */
const DOCUMENT_PROCEDURES = new Set(['graph.compile', 'run.start', 'run.record', 'presets.save']);
/** Embedded files (each at most MAX_EMBEDDED_ASSET_BYTES, as base64) a document call has room for beyond the JSON limit. */
const EMBEDDED_FILES_ROOM = 8;

/** How long a refused body may keep arriving (read and dropped) after the answer, before the connection is cut. */
const LINGER_MS = 10_000;

function refuse(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}, unreadBody = false): true {
  if (unreadBody) {
    // Answer at once. Node then reads and drops (never keeps) what is left of the body, so the
    // client, still sending, gets to read the answer; closing the connection now would reset it
    // first. A body that is still coming after LINGER_MS has its connection cut.
    res.on('finish', () => {
      const timer = setTimeout(() => res.req.socket.destroy(), LINGER_MS).unref();
      res.req.once('end', () => clearTimeout(timer));
    });
  }
  answer(res, status, { error: { message, status } }, headers);
  return true;
}

/** The tRPC procedures a request calls ('a,b' in a batch), or [] for other paths. */
export function trpcProcedures(pathname: string): string[] {
  if (!pathname.startsWith(TRPC_PREFIX)) return [];
  return decodeURIComponent(pathname.slice(TRPC_PREFIX.length)).split(',').filter(Boolean);
}

/** The largest body a request to this path may send. */
export function bodyLimit(pathname: string, env: GateConfig['env']): number {
  const procs = trpcProcedures(pathname);
  const upload = (bytes: number) => Math.ceil((bytes * 4) / 3) + UPLOAD_SLACK;
  if (procs.length === 1 && procs[0] === 'images.upload') return upload(env.maxImageBytes);
  if (procs.length === 1 && procs[0] === 'models.upload') return upload(env.maxModelBytes);
  if (pathname.startsWith('/api/auth/')) return 8 * 1024;
  const documentRoom = env.maxJsonBytes + EMBEDDED_FILES_ROOM * Math.ceil((MAX_EMBEDDED_ASSET_BYTES * 4) / 3);
  // A browser run's record: its document, traces and the result PNG as base64.
  if (procs.includes('run.record')) return documentRoom + upload(env.maxImageBytes);
  if (procs.some((p) => DOCUMENT_PROCEDURES.has(p))) return documentRoom;
  return env.maxJsonBytes;
}

/** Why a state-changing request does not come from this origin, or null when it does (or is not from a browser). */
export function crossSiteProblem(req: Pick<IncomingMessage, 'headers'>): string | null {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none' ? null : `a ${site} request cannot change anything here`;
  const origin = req.headers.origin;
  if (origin === undefined) return null; // not a browser (curl, the CLI, a worker): credentials decide
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    return `a request from origin '${origin}' cannot change anything here`;
  }
  return host === (req.headers.host ?? '').toLowerCase() ? null : `a request from ${origin} cannot change anything here`;
}

/** Paths anyone may fetch: the login page and what it loads, the login and logout endpoints. */
function isPublic(pathname: string, dev: boolean): boolean {
  return (
    pathname === LOGIN_PATH ||
    pathname === '/api/auth/login' ||
    pathname === '/api/auth/logout' ||
    pathname === '/favicon.ico' ||
    pathname.startsWith('/_next/static/') ||
    (dev && (pathname.startsWith('/_next/') || pathname.startsWith('/__nextjs')))
  );
}

function wantsPage(req: IncomingMessage, pathname: string): boolean {
  return req.method === 'GET' && !pathname.startsWith('/api/') && (req.headers.accept ?? '').includes('text/html');
}

export function createGate(cfg: GateConfig): Gate {
  const mutations = new RateLimiterMemory({ points: cfg.env.rateLimit, duration: 60 });
  const login = loginHandlers(cfg.auth);

  return async (req, res) => {
    const nonce = newNonce();
    const headers = securityHeaders(nonce, cfg.dev);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    // Next.js reads the nonce for its inline scripts from the request's policy.
    req.headers['content-security-policy'] = headers['Content-Security-Policy'];

    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    if (!isAllowedHost(req.headers.host, cfg.env.allowedHosts)) {
      return refuse(res, 403, `host '${req.headers.host ?? ''}' is not served here (add it to SPGD_ALLOWED_HOSTS)`, {}, hasBody);
    }
    const url = new URL(req.url ?? '/', 'http://gate');
    const { pathname } = url;

    if (req.headers['transfer-encoding'] !== undefined && req.headers['content-length'] === undefined) {
      return refuse(res, 411, 'send the body with a Content-Length', {}, true);
    }
    const length = Number(req.headers['content-length'] ?? 0);
    const limit = bodyLimit(pathname, cfg.env);
    if (!Number.isFinite(length) || length > limit) {
      return refuse(res, 413, `the request body is ${req.headers['content-length'] ?? '?'} bytes; at most ${limit} are taken here`, {}, true);
    }

    const method = req.method ?? 'GET';
    if (!SAFE_METHODS.has(method)) {
      const problem = crossSiteProblem(req);
      if (problem) return refuse(res, 403, problem, {}, hasBody);
    }

    if (method === 'POST' && pathname === '/api/auth/login') return login.login(req, res, limit);
    if (method === 'POST' && pathname === '/api/auth/logout') return login.logout(req, res);

    let principal: Principal | null = null;
    const workerToken = cfg.env.workerToken ?? null;
    if (pathname.startsWith(WORKER_PREFIX) && workerToken !== null) {
      // A worker is not a user: its token is the credential (the route checks it again).
      if (!SAFE_METHODS.has(method)) return refuse(res, 405, 'the workers\' routes only answer GET', { Allow: 'GET, HEAD' }, hasBody);
      if (!workerAuthorized(workerToken, req.headers.authorization ?? null)) {
        return refuse(res, 401, "send the workers' token: Authorization: Bearer <SPGD_WORKER_TOKEN>", { 'WWW-Authenticate': 'Bearer realm="spgd-worker"' }, hasBody);
      }
    } else if (!isPublic(pathname, cfg.dev)) {
      principal = authenticate(cfg.auth, { authorization: req.headers.authorization, cookie: req.headers.cookie });
      if (!principal) {
        if (wantsPage(req, pathname)) return redirect(res, `${LOGIN_PATH}?next=${encodeURIComponent(pathname + url.search)}`);
        return refuse(res, 401, 'log in, or send Authorization: Bearer <token>', { 'WWW-Authenticate': 'Bearer realm="spgd"' }, hasBody);
      }
    }

    const calls = method === 'POST' ? trpcProcedures(pathname).length : 0;
    if (calls > 0) {
      const client = principal && principal !== LOCAL_PRINCIPAL ? `user:${principal.name}` : `addr:${req.socket.remoteAddress ?? '?'}`;
      try {
        await mutations.consume(client, calls);
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        const wait = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
        return refuse(res, 429, `too many requests: at most ${cfg.env.rateLimit} calls a minute (SPGD_RATE_LIMIT); try again in ${wait} s`, { 'Retry-After': String(wait) }, hasBody);
      }
    }
    return false;
  };
}
