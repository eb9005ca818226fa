/**
 * The SQLite connection (better-sqlite3): WAL journal, foreign keys, a busy timeout, and the
 * migrations of schema.ts applied on open. In development the connection is cached on
 * globalThis so Next's hot reload does not open it again.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './schema';

export type Db = Database.Database;

/** Opens (creating if needed) the database and brings its schema up to date. */
export function openDb(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  if (file !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`the database schema is version ${current}, newer than this SPGD Studio (${MIGRATIONS.length}); update the app`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}

const globalForDb = globalThis as unknown as { __spgdDb?: Map<string, Db> };

/** One connection per file for the process (kept across hot reloads outside production). */
export function getDb(file: string): Db {
  const cache = (globalForDb.__spgdDb ??= new Map<string, Db>());
  let db = cache.get(file);
  if (!db || !db.open) {
    db = openDb(file);
    if (file !== ':memory:') cache.set(file, db);
  }
  return db;
}
