/** The `nicwatch` command line: one commander program, a module per command. */
import { Command, CommanderError } from 'commander';
import { addCheckCommand } from './check';
import { addDemoCommand } from './demo';
import { addDiscoverCommand } from './discover';
import { addRunCommand } from './run';
import { addValidateCommand } from './validate';

/** Exit status for a usage or configuration error outside `check` (which says UNKNOWN, 3). */
export const EXIT_USAGE = 2;
const EXIT_UNKNOWN = 3;

export function buildProgram(version: string): Command {
  const program = new Command('nicwatch')
    .description(
      'NIC redundancy monitor: bonds, teams and IPMP groups joined with their switch ports',
    )
    .version(version)
    .exitOverride()
    .showHelpAfterError();
  addCheckCommand(program);
  addValidateCommand(program);
  addRunCommand(program);
  addDiscoverCommand(program);
  addDemoCommand(program);
  return program;
}

/** Runs the program; usage errors of `check` become a plugin line, as Nagios needs. */
export async function runProgram(argv: string[], version: string): Promise<void> {
  const program = buildProgram(version);
  const inCheck = argv[0] === 'check';
  if (inCheck) program.configureOutput({ writeErr: () => undefined });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.exitCode === 0) return;
    if (inCheck) {
      process.stdout.write(`NICWATCH UNKNOWN - usage: ${err.message.replace(/^error: /, '')}\n`);
      process.exitCode = EXIT_UNKNOWN;
    } else {
      process.exitCode = EXIT_USAGE;
    }
  }
}
