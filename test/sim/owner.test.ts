/**
 * Whether a dead demo's leftovers may go: its PID has ended, is a zombie, or now belongs to a
 * process that is no demo.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isDemoCommand, ownerRuns } from '../../src/lab/owner';
import { startZombie } from '../helpers/processes';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
});
function run(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore' });
  started.push(child);
  return child;
}

describe('ownerRuns', () => {
  it('is true for a running process', () => {
    expect(ownerRuns(process.pid)).toBe(true);
  });

  it('is false once the process has ended and been reaped', async () => {
    const child = run('true', []);
    await new Promise((resolve) => child.once('exit', resolve));
    expect(ownerRuns(child.pid ?? 0)).toBe(false);
  });

  it('is false for a zombie its parent never reaps', async () => {
    const zombie = await startZombie();
    started.push(zombie.parent);
    expect(existsSync(`/proc/${zombie.pid}`), 'unreaped, it keeps its /proc entry').toBe(true);
    expect(ownerRuns(zombie.pid)).toBe(false);
    expect(ownerRuns(zombie.parent.pid ?? 0), 'its parent still runs').toBe(true);
  });

  it('is false for a process that took a demo’s PID but is no demo', () => {
    const other = run('sleep', ['30']);
    expect(ownerRuns(other.pid ?? 0, isDemoCommand)).toBe(false);
    // `sh -c 'sleep 30' demo`: a command line with the demo's argument
    const demoLike = run('sh', ['-c', 'sleep 30', 'demo']);
    expect(ownerRuns(demoLike.pid ?? 0, isDemoCommand)).toBe(true);
  });
});
