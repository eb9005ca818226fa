/**
 * `spgd`: the restoration engine, headless. Errors from bad input print one line on stderr
 * and exit non-zero (2 for a bad call, 1 for bad data or a failed run); set SPGD_DEBUG=1
 * for the stack trace.
 */
import { SpgdError } from '../../lib/errors';
import { TASKS } from '../../lib/operators/types';
import { degrade, degradeHelp } from './commands/degrade';
import { evaluate, evalHelp } from './commands/eval';
import { prior, priorHelp } from './commands/prior';
import { restore, restoreHelp } from './commands/restore';
import { run, runHelp } from './commands/run';
import { users, usersHelp } from './commands/users';
import { worker, workerHelp } from './commands/worker';
import { UsageError } from './errors';

const COMMANDS: Record<string, { run: (argv: string[]) => void | Promise<void>; help: string }> = {
  degrade: { run: degrade, help: degradeHelp },
  restore: { run: restore, help: restoreHelp },
  run: { run, help: runHelp },
  eval: { run: evaluate, help: evalHelp },
  prior: { run: prior, help: priorHelp },
  users: { run: users, help: usersHelp },
  worker: { run: worker, help: workerHelp },
};

const usage = `usage: spgd <command> [flags]

${Object.values(COMMANDS)
  .map((c) => c.help)
  .join('\n\n')}

Tasks: ${TASKS.join(', ')}.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return name ? 0 : 2;
  }
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
  const command = COMMANDS[name];
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  await command.run(rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const err = e as Error;
    if (process.env.SPGD_DEBUG) console.error(err);
    else console.error(`spgd: ${err instanceof UsageError || err instanceof SpgdError ? '' : 'error: '}${err.message}`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
