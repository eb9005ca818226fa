/** User and session rows (server/auth/ decides what they mean). */
import type { Db } from './index';
import type { SessionRow, UserRow } from './schema';

export function insertUser(db: Db, u: { name: string; tokenHash: string; admin: boolean }, now = Date.now()): void {
  db.prepare('INSERT INTO users (name, token_hash, admin, created_at) VALUES (?, ?, ?, ?)').run(u.name, u.tokenHash, u.admin ? 1 : 0, now);
}

export function userByName(db: Db, name: string): UserRow | undefined {
  return db.prepare<[string], UserRow>('SELECT * FROM users WHERE name = ? COLLATE NOCASE').get(name);
}

export function userByTokenHash(db: Db, hash: string): UserRow | undefined {
  return db.prepare<[string], UserRow>('SELECT * FROM users WHERE token_hash = ?').get(hash);
}

export function listUsers(db: Db): UserRow[] {
  return db.prepare<[], UserRow>('SELECT * FROM users ORDER BY name COLLATE NOCASE').all();
}

export function countUsers(db: Db): number {
  return db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users').get()?.n ?? 0;
}

export function deleteUser(db: Db, name: string): boolean {
  return db.prepare('DELETE FROM users WHERE name = ? COLLATE NOCASE').run(name).changes > 0;
}

export function insertSession(db: Db, s: { idHash: string; principal: string; expiresAt: number }, now = Date.now()): void {
  db.prepare('INSERT INTO sessions (id_hash, principal, created_at, expires_at) VALUES (?, ?, ?, ?)').run(s.idHash, s.principal, now, s.expiresAt);
}

export function sessionByHash(db: Db, hash: string): SessionRow | undefined {
  return db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id_hash = ?').get(hash);
}

export function deleteSession(db: Db, hash: string): void {
  db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(hash);
}

/** Deletes the sessions of a principal (a removed user), and every expired one. */
export function deleteSessions(db: Db, principal: string | null, now = Date.now()): void {
  db.prepare('DELETE FROM sessions WHERE expires_at <= ? OR principal = ? COLLATE NOCASE').run(now, principal);
}
