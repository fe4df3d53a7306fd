/**
 * Whether the process that made something (a namespace, a folder) still runs, from /proc. What a
 * SIGKILLed demo leaves is named after its PID; the next demo removes it once that PID has ended
 * or has been taken by a process that is no demo.
 */
import { readFileSync } from 'node:fs';

/** A process's state letter (R, S, Z...), or null once it is gone. */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": comm may hold spaces and parentheses; the state follows the last ')'
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? null;
  } catch {
    return null;
  }
}

/**
 * False once `pid` has ended, or when the process now running under it is not the owner by its
 * command line (`isOwner`: the PID was taken over). A SIGKILLed multi-threaded process stays a
 * zombie until its last thread has gone and its parent has reaped it: it is dead already.
 * Judged by the command line rather than start times, which a clock step would falsify.
 */
export function ownerRuns(pid: number, isOwner: (argv: string[]) => boolean = () => true): boolean {
  const state = processState(pid);
  if (state === null || state === 'Z' || state === 'X') return false;
  try {
    return isOwner(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
  } catch {
    return false;
  }
}

/** `nicwatch demo` however it was started (`node …/nicwatch.js demo`, `nicwatch demo`, npx). */
export function isDemoCommand(argv: string[]): boolean {
  return argv.includes('demo');
}
