/** Processes as /proc shows them, for tests that check what ends with what. */
import { readFileSync } from 'node:fs';

/** A process's state letter (R, S, Z...), or null once it is gone. */
export function processState(pid: number): string | null {
  try {
    return /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * A zombie counts as gone: a daemon whose parent died is reaped by whoever adopts it, and in a
 * container that may be nobody.
 */
export function alive(pid: number): boolean {
  const state = processState(pid);
  return state !== null && state !== 'Z';
}
