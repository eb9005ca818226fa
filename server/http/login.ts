/**
 * Logging in from a browser: POST /api/auth/login with a token (an HTML form or JSON) starts a
 * session and sets its cookie (httpOnly, SameSite=Strict, Secure behind HTTPS); POST
 * /api/auth/logout ends it. A form gets a redirect (to `next`, or back to the login page with
 * `error=1`); JSON gets JSON. Attempts are limited per address (10 a minute).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { answer, redirect } from './respond';
import { authRequired, cookieValue, endSession, principalOfToken, SESSION_COOKIE, SESSION_DAYS, startSession, type AuthConfig } from '../auth';

export const LOGIN_PATH = '/login';

/** Reads a small body (the gate has checked its declared length against `limit`). */
async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Only a path on this site: never '//elsewhere' or 'https://elsewhere'. */
export function safeNext(next: string | null | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

function isForm(req: IncomingMessage): boolean {
  return (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

function cookie(req: IncomingMessage, value: string, maxAgeSeconds: number): string {
  const secure = 'encrypted' in req.socket || req.headers['x-forwarded-proto'] === 'https';
  return `${SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}


export function loginHandlers(auth: AuthConfig) {
  const attempts = new RateLimiterMemory({ points: 10, duration: 60 });

  async function login(req: IncomingMessage, res: ServerResponse, limit: number): Promise<true> {
    const form = isForm(req);
    let fields: { token?: unknown; next?: unknown };
    try {
      const text = await readBody(req, limit);
      fields = form ? Object.fromEntries(new URLSearchParams(text)) : (JSON.parse(text) as { token?: unknown; next?: unknown });
    } catch {
      return answer(res, 400, { error: { message: 'send {"token": "..."} as JSON, or a form with a token field', status: 400 } });
    }
    const next = safeNext(typeof fields.next === 'string' ? fields.next : null);
    if (!authRequired(auth)) return form ? redirect(res, next) : answer(res, 200, { name: 'local', admin: true });
    try {
      await attempts.consume(req.socket.remoteAddress ?? '?');
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      const wait = String(Math.max(1, Math.ceil(e.msBeforeNext / 1000)));
      return form ? redirect(res, `${LOGIN_PATH}?error=wait&next=${encodeURIComponent(next)}`) : answer(res, 429, { error: { message: `too many attempts; try again in ${wait} s`, status: 429 } }, { 'Retry-After': wait });
    }
    const principal = typeof fields.token === 'string' ? principalOfToken(auth, fields.token.trim()) : null;
    if (!principal) {
      return form ? redirect(res, `${LOGIN_PATH}?error=1&next=${encodeURIComponent(next)}`) : answer(res, 401, { error: { message: 'unknown token', status: 401 } });
    }
    const set = { 'Set-Cookie': cookie(req, startSession(auth, principal), SESSION_DAYS * 86_400) };
    return form ? redirect(res, next, set) : answer(res, 200, principal, set);
  }

  function logout(req: IncomingMessage, res: ServerResponse): true {
    const session = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (session) endSession(auth, session);
    const clear = { 'Set-Cookie': cookie(req, '', 0) };
    return isForm(req) ? redirect(res, LOGIN_PATH, clear) : answer(res, 200, { ok: true }, clear);
  }

  return { login, logout };
}
