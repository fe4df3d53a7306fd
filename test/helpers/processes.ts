/** Processes as /proc shows them, for tests that check what ends with what. */
import { spawn, type ChildProcess } from 'node:child_process';
import { processState } from '../../src/lab/owner';
import { waitFor } from './wait';

/**
 * A zombie counts as gone: a daemon whose parent died is reaped by whoever adopts it, and in a
 * container that may be nobody.
 */
export function alive(pid: number): boolean {
  const state = processState(pid);
  return state !== null && state !== 'Z';
}

export interface Zombie {
  /** The child that has exited and that nobody reaps. */
  pid: number;
  /** Its parent, which never waits for it: kill it (by PID) to let init reap the zombie. */
  parent: ChildProcess;
}

/** A process that has exited but stays a zombie: its parent (perl) never waits for it. */
export async function startZombie(): Promise<Zombie> {
  const parent = spawn(
    'perl',
    ['-e', '$| = 1; my $child = fork; exit 0 if $child == 0; print "$child\\n"; sleep 30'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let pid = 0;
  parent.stdout.on('data', (chunk: Buffer) => (pid ||= Number(chunk.toString().trim())));
  try {
    await waitFor('a zombie', () => pid > 0 && processState(pid) === 'Z', 5000);
  } catch (err) {
    parent.kill('SIGKILL');
    throw err;
  }
  return { pid, parent };
}
