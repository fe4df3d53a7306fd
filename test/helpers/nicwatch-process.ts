/**
 * `nicwatch run` as a real subprocess (the built dist/, as installed), with its JSON log lines
 * collected, the addresses it says it listens on, and a stop by its PID. Also small readers for
 * what the API serves: /metrics as numbers, /readyz as a status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { NICWATCH_BIN, shebangNodeOptions } from './cli';
import { waitFor } from './wait';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface NicwatchProcess {
  child: ChildProcess;
  pid: number;
  /** `http://host:port` of the API, when the api role runs. */
  apiUrl: string;
  /** `host:port` of the trap receiver, when the traps role runs. */
  trapAddress: string;
  logs(): LogLine[];
  /** Everything it wrote to stderr (a crash, a fatal error). */
  stderr(): string;
  running(): boolean;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL, as a crash or an OOM kill would end it; resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `nicwatch run -c FILE [--only ROLES]` and waits until every asked role said it started
 * (`api listening`, `trap receiver listening`, `correlator started`, `poller started`).
 */
export async function startNicwatch(
  configFile: string,
  roles: string[] | null,
  options: { env?: NodeJS.ProcessEnv; startTimeoutMs?: number } = {},
): Promise<NicwatchProcess> {
  if (!existsSync(NICWATCH_BIN)) throw new Error(`${NICWATCH_BIN} is missing: run npm run build`);
  const args = ['run', '-c', configFile, ...(roles ? ['--only', roles.join(',')] : [])];
  const child = spawn(
    process.execPath,
    [...shebangNodeOptions(NICWATCH_BIN), NICWATCH_BIN, ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    },
  );
  const lines: LogLine[] = [];
  let partial = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = partial + chunk.toString();
    const complete = text.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      if (line.trim() === '') continue;
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ level: 0, msg: line });
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  const find = (msg: string) => lines.find((line) => line.msg === msg);
  const wanted = roles ?? ['poller', 'traps', 'worker', 'api'];
  const startedMsg: Record<string, string> = {
    api: 'api listening',
    traps: 'trap receiver listening',
    worker: 'correlator started',
    poller: 'poller started',
  };
  const end = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (ended) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitFor(
      `nicwatch ${args.join(' ')} started`,
      () => {
        if (ended) throw new Error(`nicwatch ${args.join(' ')} exited early: ${stderr}`);
        return wanted.every((role) => !startedMsg[role] || find(startedMsg[role]) !== undefined);
      },
      options.startTimeoutMs ?? 15_000,
    );
  } catch (err) {
    await end('SIGKILL', 0);
    throw err;
  }
  const api = find('api listening')?.address;
  const traps = find('trap receiver listening')?.address;
  return {
    child,
    pid: child.pid ?? -1,
    apiUrl: typeof api === 'string' ? `http://${api}` : '',
    trapAddress: typeof traps === 'string' ? traps : '',
    logs: () => lines,
    stderr: () => stderr,
    running: () => !ended,
    exited,
    kill: () => end('SIGKILL', 0),
    stop: (graceMs = 5000) => end('SIGTERM', graceMs),
  };
}

/** /metrics as `name{labels}` → value, e.g. `nicwatch_traps_received_total{result="accepted"}`. */
export async function readMetrics(apiUrl: string): Promise<Map<string, number>> {
  const response = await fetch(`${apiUrl}/metrics`, { signal: AbortSignal.timeout(5000) });
  if (response.status !== 200) throw new Error(`GET /metrics: got ${response.status}`);
  const metrics = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    metrics.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return metrics;
}

export interface TrapMetrics {
  accepted: number;
  rejected: number;
  malformed: number;
  processed: number;
}

export async function readTrapMetrics(apiUrl: string): Promise<TrapMetrics> {
  const m = await readMetrics(apiUrl);
  const get = (name: string) => m.get(name) ?? 0;
  return {
    accepted: get('nicwatch_traps_received_total{result="accepted"}'),
    rejected: get('nicwatch_traps_received_total{result="rejected"}'),
    malformed: get('nicwatch_traps_received_total{result="malformed"}'),
    processed: get('nicwatch_events_processed_total{source="trap"}'),
  };
}

/** The status of GET /readyz (or `path`), or 0 when nothing answered within `timeoutMs`. */
export async function readyStatus(
  apiUrl: string,
  timeoutMs = 3000,
  path = '/readyz',
): Promise<number> {
  try {
    const response = await fetch(`${apiUrl}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}
