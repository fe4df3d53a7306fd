/**
 * Whether a dead demo's leftovers may go: its PID has ended, is a zombie, or now belongs to a
 * process that started after the leftovers were made.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ownerRuns } from '../../src/lab/owner';
import { startZombie } from '../helpers/processes';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});
function run(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(child);
  return child;
}

describe('ownerRuns', () => {
  it('is true for a process that started before what it made', () => {
    expect(ownerRuns(process.pid, Date.now())).toBe(true);
  });

  it('is false once the process has ended and been reaped', async () => {
    const child = run('true', []);
    await new Promise((resolve) => child.once('exit', resolve));
    expect(ownerRuns(child.pid ?? 0, Date.now())).toBe(false);
  });

  it('is false for a zombie its parent never reaps', async () => {
    const zombie = await startZombie();
    started.push(zombie.parent);
    expect(existsSync(`/proc/${zombie.pid}`), 'unreaped, it keeps its /proc entry').toBe(true);
    expect(ownerRuns(zombie.pid, Date.now())).toBe(false);
    expect(ownerRuns(zombie.parent.pid ?? 0, Date.now()), 'its parent still runs').toBe(true);
  });

  it('is false for a process that took the PID after the owner made its things', () => {
    const later = run('sleep', ['30']);
    expect(ownerRuns(later.pid ?? 0, Date.now() - 10_000)).toBe(false);
    expect(ownerRuns(later.pid ?? 0, Date.now())).toBe(true);
  });
});
