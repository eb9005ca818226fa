/**
 * Who is asking: the one credential check shared by the HTTP gate (server/http/gate.ts), the
 * tRPC context and anything else that takes requests (e.g. queue workers).
 *
 * - No credentials configured (no SPGD_AUTH_TOKEN, no users): everyone is the local user, who
 *   may do anything. The server then listens on loopback only (server/http/serve.ts).
 * - SPGD_AUTH_TOKEN: `Authorization: Bearer <token>` makes the caller 'admin'.
 * - Users (`spgd users add NAME [--admin]`): each has a token; only its sha256 is stored.
 * - A browser logs in once with a token (POST /api/auth/login) and then carries a session
 *   cookie (httpOnly, SameSite=Strict); only the cookie's sha256 is stored.
 *
 * Owners: presets and runs record who made them; only their owner or an admin may overwrite,
 * delete, cancel or pin them (`canModify`). Rows made without credentials have no owner and are
 * left to admins once credentials exist.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from './db';
import { countUsers, deleteSession, deleteSessions, insertSession, insertUser, sessionByHash, userByName, userByTokenHash } from './db/users';

export interface Principal {
  name: string;
  admin: boolean;
}

/** Everyone, when the server has no credentials configured (loopback only). */
export const LOCAL_PRINCIPAL: Principal = Object.freeze({ name: 'local', admin: true });
/** Whoever holds SPGD_AUTH_TOKEN. */
export const TOKEN_PRINCIPAL: Principal = Object.freeze({ name: 'admin', admin: true });

export const SESSION_COOKIE = 'spgd_session';
export const SESSION_DAYS = 7;

const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The credential configuration the check needs: the shared token (or null) and the users table. */
export interface AuthConfig {
  db: Db;
  token: string | null;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A new random token (256 bits, URL-safe). */
export function newToken(): string {
  return `spgd_${randomBytes(32).toString('base64url')}`;
}

/** Whether requests need a credential: a shared token or at least one user is configured. */
export function authRequired(cfg: AuthConfig): boolean {
  return cfg.token !== null || countUsers(cfg.db) > 0;
}

function sameSecret(a: string, b: string): boolean {
  // Compare digests: equal length, and no early exit on the first differing character.
  return timingSafeEqual(Buffer.from(sha256(a), 'hex'), Buffer.from(sha256(b), 'hex'));
}

/** The principal of a bearer token (the shared token or a user's), or null. */
export function principalOfToken(cfg: AuthConfig, token: string): Principal | null {
  if (cfg.token !== null && sameSecret(token, cfg.token)) return TOKEN_PRINCIPAL;
  const user = userByTokenHash(cfg.db, sha256(token));
  return user ? { name: user.name, admin: user.admin === 1 } : null;
}

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | null | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The principal of a session cookie, or null (unknown, expired, or its user is gone). */
export function principalOfSession(cfg: AuthConfig, cookie: string, now = Date.now()): Principal | null {
  const row = sessionByHash(cfg.db, sha256(cookie));
  if (!row || row.expires_at <= now) return null;
  if (row.principal === TOKEN_PRINCIPAL.name) return cfg.token !== null ? TOKEN_PRINCIPAL : null;
  const user = userByName(cfg.db, row.principal);
  return user ? { name: user.name, admin: user.admin === 1 } : null;
}

/** Request headers as the check reads them (Node's IncomingHttpHeaders and fetch's Headers both fit). */
export interface Credentials {
  authorization?: string | null;
  cookie?: string | null;
}

/**
 * Who sent a request: LOCAL_PRINCIPAL when no credentials are configured, else the principal of
 * its bearer token or session cookie, else null (answer 401).
 */
export function authenticate(cfg: AuthConfig, creds: Credentials): Principal | null {
  if (!authRequired(cfg)) return LOCAL_PRINCIPAL;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(creds.authorization ?? '');
  if (bearer) return principalOfToken(cfg, bearer[1]);
  const session = cookieValue(creds.cookie, SESSION_COOKIE);
  return session ? principalOfSession(cfg, session) : null;
}

/** Starts a browser session for a principal; returns the cookie value. */
export function startSession(cfg: AuthConfig, principal: Principal, now = Date.now()): string {
  deleteSessions(cfg.db, null, now); // expired ones
  const id = randomBytes(32).toString('base64url');
  insertSession(cfg.db, { idHash: sha256(id), principal: principal.name, expiresAt: now + SESSION_DAYS * 86_400_000 }, now);
  return id;
}

export function endSession(cfg: AuthConfig, cookie: string): void {
  deleteSession(cfg.db, sha256(cookie));
}

/** Adds a user; returns the token (shown once: only its sha256 is kept). */
export function addUser(db: Db, name: string, admin: boolean): string {
  if (!USER_NAME.test(name)) throw new Error(`'${name}': a user name is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  if ([TOKEN_PRINCIPAL.name, LOCAL_PRINCIPAL.name].includes(name.toLowerCase())) throw new Error(`'${name}' is reserved; choose another name`);
  if (userByName(db, name)) throw new Error(`a user named '${name}' exists`);
  const token = newToken();
  insertUser(db, { name, tokenHash: sha256(token), admin });
  return token;
}

/** The owner recorded on what a principal makes: null for the local user (no credentials configured). */
export function ownerName(principal: Principal): string | null {
  return principal.name === LOCAL_PRINCIPAL.name ? null : principal.name;
}

/** Whether a principal may change (overwrite, delete, cancel, pin) what `owner` made. */
export function canModify(principal: Principal, owner: string | null): boolean {
  return principal.admin || (owner !== null && owner.toLowerCase() === principal.name.toLowerCase());
}
