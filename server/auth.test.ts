import { describe, expect, it } from 'vitest';
import { addUser, authenticate, authRequired, canModify, cookieValue, LOCAL_PRINCIPAL, ownerName, principalOfSession, startSession, TOKEN_PRINCIPAL, endSession } from './auth';
import { openDb } from './db';
import { deleteSessions, deleteUser } from './db/users';

const TOKEN = 'a-shared-token-of-32-characters!';

describe('credentials', () => {
  it('with none configured, everyone is the local user', () => {
    const db = openDb(':memory:');
    const cfg = { db, token: null };
    expect(authRequired(cfg)).toBe(false);
    expect(authenticate(cfg, {})).toBe(LOCAL_PRINCIPAL);
    expect(ownerName(LOCAL_PRINCIPAL)).toBeNull();
  });

  it('with SPGD_AUTH_TOKEN: the right bearer token is admin, a wrong or missing one is nobody', () => {
    const cfg = { db: openDb(':memory:'), token: TOKEN };
    expect(authRequired(cfg)).toBe(true);
    expect(authenticate(cfg, { authorization: `Bearer ${TOKEN}` })).toBe(TOKEN_PRINCIPAL);
    expect(authenticate(cfg, { authorization: `bearer   ${TOKEN} ` })).toBe(TOKEN_PRINCIPAL);
    expect(authenticate(cfg, { authorization: `Bearer ${TOKEN}x` })).toBeNull();
    expect(authenticate(cfg, { authorization: `Basic ${TOKEN}` })).toBeNull();
    expect(authenticate(cfg, {})).toBeNull();
  });

  it('users: a token each (only its hash stored), admins flagged, removal ends their access', () => {
    const db = openDb(':memory:');
    const cfg = { db, token: null };
    const alice = addUser(db, 'alice', false);
    const root = addUser(db, 'root', true);
    expect(alice).toMatch(/^spgd_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(db.prepare('SELECT * FROM users').all())).not.toContain(alice);
    expect(authRequired(cfg)).toBe(true);
    expect(authenticate(cfg, { authorization: `Bearer ${alice}` })).toEqual({ name: 'alice', admin: false });
    expect(authenticate(cfg, { authorization: `Bearer ${root}` })).toEqual({ name: 'root', admin: true });
    expect(() => addUser(db, 'Alice', false)).toThrow(/exists/);
    expect(() => addUser(db, 'admin', false)).toThrow(/reserved/);
    expect(() => addUser(db, 'no spaces', false)).toThrow(/user name/);
    deleteUser(db, 'alice');
    expect(authenticate(cfg, { authorization: `Bearer ${alice}` })).toBeNull();
  });

  it('sessions: the cookie names a principal until it expires, its user goes, or it is ended', () => {
    const db = openDb(':memory:');
    const cfg = { db, token: TOKEN };
    addUser(db, 'bob', false);
    const bob = { name: 'bob', admin: false };
    const now = Date.now();
    const id = startSession(cfg, bob, now);
    expect(JSON.stringify(db.prepare('SELECT * FROM sessions').all())).not.toContain(id);
    expect(authenticate(cfg, { cookie: `theme=dark; spgd_session=${id}` })).toEqual(bob);
    expect(principalOfSession(cfg, id, now + 8 * 86_400_000)).toBeNull();
    // a bearer header is judged on its own: a wrong one is refused even with a good cookie
    expect(authenticate(cfg, { authorization: 'Bearer nope', cookie: `spgd_session=${id}` })).toBeNull();
    endSession(cfg, id);
    expect(authenticate(cfg, { cookie: `spgd_session=${id}` })).toBeNull();

    const admin = startSession(cfg, TOKEN_PRINCIPAL);
    expect(authenticate(cfg, { cookie: `spgd_session=${admin}` })).toBe(TOKEN_PRINCIPAL);
    // the shared token's sessions end with the token
    expect(principalOfSession({ db, token: null }, admin)).toBeNull();
    const again = startSession(cfg, bob);
    deleteUser(db, 'bob');
    deleteSessions(db, 'bob');
    expect(authenticate(cfg, { cookie: `spgd_session=${again}` })).toBeNull();
  });

  it('owners: only the owner or an admin may change a thing; things made without credentials are for admins', () => {
    expect(canModify({ name: 'alice', admin: false }, 'alice')).toBe(true);
    expect(canModify({ name: 'alice', admin: false }, 'Alice')).toBe(true);
    expect(canModify({ name: 'alice', admin: false }, 'bob')).toBe(false);
    expect(canModify({ name: 'alice', admin: false }, null)).toBe(false);
    expect(canModify({ name: 'root', admin: true }, 'bob')).toBe(true);
    expect(canModify(LOCAL_PRINCIPAL, null)).toBe(true);
  });

  it('reads one cookie out of a Cookie header', () => {
    expect(cookieValue('a=1; spgd_session=xyz; b=2', 'spgd_session')).toBe('xyz');
    expect(cookieValue('xspgd_session=1', 'spgd_session')).toBeNull();
    expect(cookieValue(undefined, 'spgd_session')).toBeNull();
  });
});
