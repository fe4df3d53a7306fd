/**
 * Whether the process that made something (a namespace, a folder) still runs, from /proc. What a
 * SIGKILLed demo leaves is named after its PID; the next demo removes it once that PID has ended.
 */
import { readFileSync, statSync } from 'node:fs';

/** The boot time in /proc/stat is in whole seconds, and a PID is not reused that fast. */
const PID_REUSE_MARGIN_MS = 2000;
/** Clock ticks per second of /proc/<pid>/stat's start time (USER_HZ: 100 on every Linux port). */
const CLOCK_TICKS_PER_S = 100;

/**
 * False once `pid` has ended. A SIGKILLed multi-threaded process stays a zombie until its last
 * thread has gone and its parent has reaped it: it is dead already. A process that started well
 * after `madeMs` (when the owner made the thing) only took over the dead owner's PID.
 */
export function ownerRuns(pid: number, madeMs: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) S ...": comm may hold spaces and parentheses; the fields follow the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return false;
  const started = processStartMs(Number(fields[19]));
  return started === null || started < madeMs + PID_REUSE_MARGIN_MS;
}

/** When a named network namespace was made (its nsfs inode keeps that time); now if unknown. */
export function namespaceMadeMs(namespace: string): number {
  try {
    return statSync(`/run/netns/${namespace}`).mtimeMs;
  } catch {
    return Date.now();
  }
}

function processStartMs(ticksSinceBoot: number): number | null {
  let bootS: string | undefined;
  try {
    bootS = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
  } catch {
    return null;
  }
  if (bootS === undefined || !Number.isFinite(ticksSinceBoot)) return null;
  return (Number(bootS) + ticksSinceBoot / CLOCK_TICKS_PER_S) * 1000;
}
