import { addUser } from '../../../server/auth';
import { openDb } from '../../../server/db';
import { deleteSessions, deleteUser, listUsers } from '../../../server/db/users';
import { loadEnv } from '../../../server/env';
import { parseFlags } from '../args';
import { UsageError } from '../errors';

export const usersHelp = `spgd users add NAME [--admin]
  Adds a user of the server and prints their token once (only its hash is stored). With users (or
  SPGD_AUTH_TOKEN) every request needs a token or a login; an admin may change anyone's presets and runs.
spgd users list
spgd users remove NAME
  The database is the server's: SPGD_DATA_DIR (default ./data) or SPGD_DB.`;

function database() {
  try {
    return openDb(loadEnv().dbPath);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** One positional NAME, then flags. */
function nameAnd(argv: string[], what: string): { name: string; rest: string[] } {
  const [name, ...rest] = argv;
  if (!name || name.startsWith('-')) throw new UsageError(`missing NAME: spgd users ${what} NAME`);
  return { name, rest };
}

export function users(argv: string[]): void {
  const sub = argv.at(0);
  const rest = argv.slice(1);
  if (sub === 'add') {
    const { name, rest: flags } = nameAnd(rest, 'add');
    const f = parseFlags(flags, { admin: { type: 'boolean' } });
    const db = database();
    try {
      const token = addUser(db, name, f.admin === true);
      console.error(`added ${f.admin ? 'admin' : 'user'} '${name}'; their token (shown once):`);
      console.log(token);
    } catch (e) {
      throw new UsageError((e as Error).message);
    } finally {
      db.close();
    }
    return;
  }
  if (sub === 'list') {
    parseFlags(rest, {});
    const db = database();
    for (const u of listUsers(db)) console.log(`${u.name}${u.admin ? ' (admin)' : ''}  added ${new Date(u.created_at).toISOString()}`);
    db.close();
    return;
  }
  if (sub === 'remove') {
    const { name, rest: flags } = nameAnd(rest, 'remove');
    parseFlags(flags, {});
    const db = database();
    const removed = deleteUser(db, name);
    if (removed) deleteSessions(db, name);
    db.close();
    if (!removed) throw new UsageError(`no user '${name}'`);
    console.error(`removed '${name}' and their sessions`);
    return;
  }
  throw new UsageError(`unknown 'spgd users' command '${sub ?? ''}' (add, list, remove)`);
}
