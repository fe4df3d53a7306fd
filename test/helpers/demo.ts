/**
 * `nicwatch demo` as a real subprocess (the built dist/, as a user runs it): started on a free
 * port, ready once it prints its dashboard URL, stopped by its PID. The lab's links are cut and
 * mended through its own `POST /lab/links/...` routes, as a user would with curl.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ownerRuns } from '../../src/lab/owner';
import { NICWATCH_BIN, shebangNodeOptions } from './cli';
import { waitFor } from './wait';

export interface DemoProcess {
  pid: number;
  /** `http://127.0.0.1:PORT` without a trailing slash. */
  url: string;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  cut(switchName: string, port: string): Promise<void>;
  mend(switchName: string, port: string): Promise<void>;
  /**
   * SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. Then ends its private Redis
   * by PID if the demo left it, unless `leaveRedis` (to see whether the demo stopped it itself).
   */
  stop(graceMs?: number, options?: { leaveRedis?: boolean }): Promise<void>;
}

export interface DemoOptions {
  /** Keep the scenario's periodic cuts (off by default: tests cut links themselves). */
  scenario?: boolean;
  env?: NodeJS.ProcessEnv;
  extraArgs?: string[];
  startTimeoutMs?: number;
}

export async function startDemo(options: DemoOptions = {}): Promise<DemoProcess> {
  if (!existsSync(NICWATCH_BIN)) throw new Error(`${NICWATCH_BIN} is missing: run npm run build`);
  const args = [
    'demo',
    '--port',
    '0',
    ...(options.scenario ? [] : ['--no-scenario']),
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(
    process.execPath,
    [...shebangNodeOptions(NICWATCH_BIN), NICWATCH_BIN, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // The demo's own private Redis unless a test names one: a shared one would mix labs.
      env: { ...process.env, NICWATCH_REDIS_URL: '', ...options.env },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let ended = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      ended = true;
      resolve();
    }),
  );
  const stop = async (
    graceMs = 5000,
    stopOptions: { leaveRedis?: boolean } = {},
  ): Promise<void> => {
    if (!ended) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    // A demo killed before it could stop its private Redis leaves it behind: end it by its PID.
    const redisPid = Number(/private redis-server \(pid (\d+)\)/.exec(output)?.[1]);
    // by its PID, once sure the PID is still that Redis's: it may have ended with the demo
    const isRedis = (argv: string[]): boolean => argv[0]?.startsWith('redis-server') ?? false;
    if (redisPid > 0 && !stopOptions.leaveRedis && ownerRuns(redisPid, isRedis)) {
      process.kill(redisPid, 'SIGKILL');
    }
  };
  const urlOf = (): string | null => /dashboard at (http:\/\/\S+?)\/?\s/.exec(output)?.[1] ?? null;
  try {
    await waitFor(
      'the demo to print its dashboard URL',
      () => {
        if (ended) throw new Error(`nicwatch demo exited early:\n${output}`);
        return urlOf() !== null;
      },
      options.startTimeoutMs ?? 30_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const url = urlOf() ?? '';
  const link = async (switchName: string, port: string, action: 'down' | 'up'): Promise<void> => {
    const response = await fetch(
      `${url}/lab/links/${encodeURIComponent(switchName)}/${encodeURIComponent(port)}/${action}`,
      { method: 'POST' },
    );
    if (!response.ok)
      throw new Error(
        `${action} ${switchName} ${port}: ${response.status} ${await response.text()}`,
      );
  };
  return {
    pid: child.pid ?? 0,
    url,
    output: () => output,
    cut: (switchName, port) => link(switchName, port, 'down'),
    mend: (switchName, port) => link(switchName, port, 'up'),
    stop,
  };
}
