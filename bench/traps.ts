/**
 * bench/traps: how many v2c link traps a second `nicwatch run` takes in and correlates with none
 * lost, and how long a trap takes from receipt to the health update, against Net-SNMP's
 * snmptrapd logging to a file as the reference receiver.
 *
 * For each rate (BENCH_RATE, default 2000/s; BENCH_LADDER=1: BENCH_RATES, default
 * 2000,5000,10000,20000,40000) it starts, all on loopback:
 * - a private redis-server (free port, no persistence) and `nicwatch run` (every role) as a child
 *   process on a generated config: a switch `sw-bench` at 127.0.0.1 (so the traps match it) and
 *   three servers whose bond legs are cabled to its ifIndex 1–6 (7 and 8 are not cabled), so most
 *   traps reach the correlator's group logic (locks, incidents, flap damping). Polls go to a UDP
 *   port where nothing answers: the switch and servers have no stored poll, as after a start-up;
 * - the sender, bench/traps-sender.ts in a process of its own: pre-encoded linkDown/linkUp for
 *   ifIndex 1–8, paced by the clock in bursts of about rate/1000 a millisecond;
 * - a warm-up of 1 s at min(rate, 2000)/s, drained, then the counters are taken as the baseline and
 *   the latency samples cleared;
 * - rate × BENCH_SECONDS (default 10) traps; then it waits until the processed count stops growing
 *   (at most BENCH_DRAIN_SECONDS, default 120, after the last send) and reads `/metrics`
 *   (`nicwatch_traps_received_total{result="accepted"}`, `nicwatch_events_processed_total{source="trap"}`)
 *   and the receipt → applied latency samples the correlator keeps in `<prefix>:trap-latency-ms`;
 * - the reference: `snmptrapd -n -f -C -Lf` with `authCommunity log public`, the same sender,
 *   counting the traps logged (BENCH_REFERENCE=0 skips it).
 * BENCH_CPU_PROF=DIR runs nicwatch with `node --cpu-prof` and leaves its profiles in DIR;
 * BENCH_SPLIT=1 runs it as two processes (`--only traps,api` and `--only worker,poller`).
 *
 * Per rate it prints one JSON line {rate, sent, accepted, processed, lost, p50Ms, p99Ms} where
 * lost = sent − processed, then one for the reference {reference, rate, sent, logged, lost}. On
 * stderr, where traps went missing: datagrams the kernel dropped at the receiver's socket buffer
 * (/proc/net/udp), counted by the batcher as dropped, the sender's achieved rate, the peak of jobs
 * waiting in the queues, the time to drain after the last send, CPU seconds of each process.
 *
 * Everything started is stopped by PID at the end, on errors and on SIGINT/SIGTERM; the temporary
 * folder is removed. Run: npm run build && npx tsx bench/traps.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import IORedis from 'ioredis';
import { stopChild } from '../src/lab/netconf-daemons';
import { keysFor } from '../src/store/keys';
import { NICWATCH_BIN, REPO_ROOT } from '../test/helpers/cli';
import { startRedisServer, type RedisServer } from '../test/helpers/redis';
import { freeUdpPort } from '../test/helpers/wait';

const RATE = Number(process.env.BENCH_RATE ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const LADDER = process.env.BENCH_LADDER === '1';
const RATES = LADDER
  ? (process.env.BENCH_RATES ?? '2000,5000,10000,20000,40000').split(',').map(Number)
  : [RATE];
const REFERENCE = process.env.BENCH_REFERENCE !== '0';
const DRAIN_S = Number(process.env.BENCH_DRAIN_SECONDS ?? 120);
/** Distinct ifIndexes the sender cycles through (a linkDown and a linkUp each). */
const PDUS = 8;
const PREFIX = 'nwbench';
const SENDER = join(REPO_ROOT, 'bench', 'traps-sender.ts');
const CLK_TCK = 100;
/** The processed count is final once it has not moved for this long with nothing waiting. */
const SETTLED_MS = 3000;
/** How often the batcher adds its counts to Redis (src/traps/batcher.ts). */
const COUNTER_FLUSH_MS = 250;
/** A folder: nicwatch runs with `--cpu-prof` and writes its profile there on exit. */
const CPU_PROF = process.env.BENCH_CPU_PROF;
const SPLIT = process.env.BENCH_SPLIT === '1';

// ---------------------------------------------------------------------------------------------
// Run state and clean-up: every process by PID

const dir = mkdtempSync(join(tmpdir(), 'nicwatch-bench-traps-'));
const children: ChildProcess[] = [];
let cleaned = false;

function running(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  for (const child of children) {
    if (!running(child)) continue;
    try {
      process.kill(child.pid as number, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

process.once('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    cleanup();
    process.exit(128 + constants.signals[signal]);
  });
}

/** SIGTERM, then SIGKILL after 15 s (nicwatch may be draining a backlog). */
const stop = (child: ChildProcess): Promise<void> => stopChild(child, 15_000);

function track(child: ChildProcess, what: string): ChildProcess {
  if (child.pid === undefined) throw new Error(`cannot start ${what}`);
  child.on('error', () => undefined);
  children.push(child);
  return child;
}

// ---------------------------------------------------------------------------------------------
// Helpers

function note(text: string): void {
  process.stderr.write(`bench/traps: ${text}\n`);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function tail(file: string, lines = 15): string {
  return readText(file).trimEnd().split('\n').slice(-lines).join('\n');
}

function percentile(samples: number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? 0) * 100) / 100;
}

async function waitFor(what: string, ready: () => boolean | Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await sleep(50);
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

/** user + system CPU seconds of a running process (0 once it is gone). */
function cpuS(pid: number | undefined): number {
  const text = readText(`/proc/${pid}/stat`);
  if (!text) return 0;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU seconds the whole machine spent busy (every core), from /proc/stat. */
function machineBusyS(): number {
  const fields = (readText('/proc/stat').split('\n')[0] ?? '').trim().split(/\s+/).map(Number);
  // cpu user nice system idle iowait irq softirq steal
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

/** CPU seconds of this process. */
function selfCpuS(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * Datagrams the kernel dropped for the UDP socket bound to 127.0.0.1:`port` (a full receive
 * buffer), from the last column of /proc/net/udp; null when no such socket.
 */
function kernelDrops(port: number): number | null {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readText('/proc/net/udp').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local) return Number(fields[fields.length - 1]);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The sender

interface SenderResult {
  sent: number;
  errors: number;
  seconds: number;
  rate: number;
  cpuS: number;
}

/** Runs bench/traps-sender.ts in its own process; resolves with its report. */
function send(port: number, rate: number, count: number): Promise<SenderResult> {
  const child = track(
    spawn(
      process.execPath,
      ['--import', 'tsx', SENDER, String(port), String(rate), String(count), String(PDUS)],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    ),
    'the trap sender',
  );
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('close', (status) => {
      if (status !== 0) return reject(new Error(`the trap sender exited with ${status}`));
      try {
        resolve(JSON.parse(out) as SenderResult);
      } catch {
        reject(new Error(`the trap sender printed ${JSON.stringify(out)}`));
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// nicwatch

/** Server groups cabled to sw-bench ifIndex 1–6; ifIndex 7 and 8 reach no group. */
const SERVERS = [
  { name: 'srv1', address: '127.0.0.21', group: 'bond0', ports: [1, 2] },
  { name: 'srv2', address: '127.0.0.22', group: 'bond0', ports: [3, 4] },
  { name: 'srv3', address: '127.0.0.23', group: 'team0', ports: [5, 6] },
];

function configText(redisUrl: string, trapPort: number, deadPort: number): string {
  const servers = SERVERS.map((s) =>
    [
      `  - name: ${s.name}`,
      '    role: server',
      `    address: ${s.address}`,
      '    groups:',
      `      - name: ${s.group}`,
      '        legs:',
      ...s.ports.map(
        (port, i) => `          - { interface: eth${i}, switch: sw-bench, port: ${port} }`,
      ),
    ].join('\n'),
  );
  return [
    `redis: { url: "${redisUrl}", prefix: ${PREFIX} }`,
    'api: { listen: "127.0.0.1:0" }',
    `traps: { listen: "127.0.0.1:${trapPort}", communities: [public] }`,
    // nothing listens on deadPort: every poll times out, no device has a stored poll
    `snmpDefaults: { version: 2c, community: public, port: ${deadPort}, timeoutMs: 1000, retries: 0 }`,
    'pollIntervalS: 300',
    'devices:',
    '  - { name: sw-bench, role: switch, address: 127.0.0.1 }',
    ...servers,
    '',
  ].join('\n');
}

interface Nicwatch {
  /** One `nicwatch run`, or two with BENCH_SPLIT=1. */
  children: ChildProcess[];
  api: string;
}

/** The log lines that say a process is up, by message. */
interface Started {
  api: string;
  traps: boolean;
  worker: boolean;
}

function spawnNicwatch(config: string, log: string, only: string | null): ChildProcess {
  const fd = openSync(log, 'a');
  const nodeFlags = ['--openssl-legacy-provider'];
  if (CPU_PROF) nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`);
  const roles = only === null ? [] : ['--only', only];
  try {
    return track(
      spawn(process.execPath, [...nodeFlags, NICWATCH_BIN, 'run', '-c', config, ...roles], {
        stdio: ['ignore', fd, fd],
        env: { ...process.env, NICWATCH_LOG_LEVEL: 'info' },
      }),
      'nicwatch run',
    );
  } finally {
    closeSync(fd);
  }
}

/**
 * `nicwatch run` with every role; with BENCH_SPLIT=1 two processes instead, `--only traps,api`
 * and `--only worker,poller`, so the receiver's event loop has a core of its own.
 */
async function startNicwatch(config: string, runDir: string): Promise<Nicwatch> {
  const runs: Array<[string, string | null]> = SPLIT
    ? [
        [join(runDir, 'nicwatch-traps.log'), 'traps,api'],
        [join(runDir, 'nicwatch-worker.log'), 'worker,poller'],
      ]
    : [[join(runDir, 'nicwatch.log'), null]];
  const children = runs.map(([log, only]) => spawnNicwatch(config, log, only));
  const started: Started = { api: '', traps: false, worker: false };
  await waitFor(
    'nicwatch run (api, trap receiver, correlator)',
    () => {
      runs.forEach(([log], i) => {
        if (!running(children[i] as ChildProcess))
          throw new Error(`nicwatch run exited:\n${tail(log)}`);
        for (const line of readText(log).split('\n')) {
          if (!line.startsWith('{')) continue;
          const entry = JSON.parse(line) as { msg?: string; address?: string };
          if (entry.msg === 'api listening') started.api = `http://${entry.address ?? ''}`;
          if (entry.msg === 'trap receiver listening') started.traps = true;
          if (entry.msg === 'correlator started') started.worker = true;
        }
      });
      return started.api !== '' && started.traps && started.worker;
    },
    30_000,
  );
  const { api } = started;
  await waitFor(
    'nicwatch /readyz',
    async () => (await fetch(`${api}/readyz`).catch(() => null))?.status === 200,
    10_000,
  );
  return { children, api };
}

interface Counts {
  accepted: number;
  processed: number;
}

async function readMetrics(api: string): Promise<Counts> {
  const text = await (await fetch(`${api}/metrics`)).text();
  const value = (pattern: RegExp): number => Number(pattern.exec(text)?.[1] ?? 0);
  return {
    accepted: value(/^nicwatch_traps_received_total\{result="accepted"\} (\d+)$/m),
    processed: value(/^nicwatch_events_processed_total\{source="trap"\} (\d+)$/m),
  };
}

/** Jobs of the `events` queue waiting or being worked on (bull's lists under the prefix). */
async function eventsBacklog(redis: IORedis): Promise<number> {
  const [waiting, active] = await Promise.all([
    redis.llen(`${PREFIX}:events:wait`),
    redis.llen(`${PREFIX}:events:active`),
  ]);
  return waiting + active;
}

interface Drained {
  counts: Counts;
  /** Seconds from the call to the last change of the counts. */
  drainS: number;
}

/** Samples the `events` backlog every 100 ms until stopped; the peak seen. */
function watchBacklog(redis: IORedis): { stop(): Promise<number> } {
  let peak = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      peak = Math.max(peak, await eventsBacklog(redis).catch(() => 0));
      await sleep(100);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return peak;
    },
  };
}

/**
 * Polls /metrics until `target` traps are processed, or the counts have not moved for SETTLED_MS
 * with no `events` job left, or `boundMs` passed.
 */
async function drain(
  api: string,
  redis: IORedis,
  target: number,
  boundMs: number,
): Promise<Drained> {
  const started = Date.now();
  let counts = await readMetrics(api);
  let changedAt = started;
  for (;;) {
    if (counts.processed >= target) break;
    const now = Date.now();
    if (now - changedAt > SETTLED_MS && (await eventsBacklog(redis)) === 0) break;
    if (now - started > boundMs) {
      note(`still processing after ${boundMs / 1000} s: stopped waiting`);
      break;
    }
    await sleep(100);
    const next = await readMetrics(api);
    if (next.processed !== counts.processed || next.accepted !== counts.accepted)
      changedAt = Date.now();
    counts = next;
  }
  // the batcher adds its accepted count to Redis every 250 ms
  await sleep(COUNTER_FLUSH_MS * 2 + 100);
  counts = await readMetrics(api);
  return { counts, drainS: Math.round((changedAt - started) / 100) / 10 };
}

interface NicwatchResult {
  rate: number;
  sent: number;
  accepted: number;
  processed: number;
  lost: number;
  p50Ms: number | null;
  p99Ms: number | null;
}

async function benchNicwatch(rate: number, count: number): Promise<NicwatchResult> {
  const runDir = mkdtempSync(join(dir, `nicwatch-${rate}-`));
  let redis: RedisServer | null = null;
  let nicwatch: Nicwatch | null = null;
  let client: IORedis | null = null;
  try {
    redis = await startRedisServer({ dir: runDir });
    track(redis.child, 'redis-server');
    const trapPort = await freeUdpPort();
    const config = join(runDir, 'nicwatch.yaml');
    writeFileSync(config, configText(redis.url, trapPort, await freeUdpPort()));
    nicwatch = await startNicwatch(config, runDir);
    client = new IORedis(redis.url, { maxRetriesPerRequest: 1 });
    const keys = keysFor(PREFIX);

    // warm-up: the JIT and the connections, then a clean slate for the latency samples
    const warmRate = Math.min(rate, 2000);
    const warm = await send(trapPort, warmRate, warmRate);
    await drain(nicwatch.api, client, warm.sent, DRAIN_S * 1000);
    const base = await readMetrics(nicwatch.api);
    await client.del(keys.trapLatency);
    const dropsBefore = kernelDrops(trapPort) ?? 0;
    const daemonCpu = nicwatch.children.map((child) => cpuS(child.pid));
    const redisCpu = cpuS(redis.child.pid);
    const machineBusy = machineBusyS();
    const benchCpu = selfCpuS();
    const wallStart = performance.now();

    const backlog = watchBacklog(client);
    const sender = await send(trapPort, rate, count);
    const drained = await drain(nicwatch.api, client, base.processed + sender.sent, DRAIN_S * 1000);
    const backlogPeak = await backlog.stop();
    const drops = (kernelDrops(trapPort) ?? 0) - dropsBefore;
    const counters = await client.hgetall(keys.counters);
    const samples = (await client.lrange(keys.trapLatency, 0, -1)).map(Number);
    const accepted = drained.counts.accepted - base.accepted;
    const processed = drained.counts.processed - base.processed;
    const daemonCpuS = nicwatch.children.map((child, i) => cpuS(child.pid) - (daemonCpu[i] ?? 0));
    const memory = /^used_memory:(\d+)/m.exec(await client.info('memory'))?.[1];
    const dbsize = await client.dbsize();
    const redisCpuS = cpuS(redis.child.pid) - redisCpu;
    const wallS = (performance.now() - wallStart) / 1000;
    const ours = daemonCpuS.reduce((a, b) => a + b, 0) + redisCpuS + sender.cpuS;
    const othersS = machineBusyS() - machineBusy - ours - (selfCpuS() - benchCpu);
    note(
      `nicwatch at ${rate}/s: the sender sent ${sender.sent} in ${sender.seconds} s (${sender.rate}/s, ${sender.errors} send errors); ` +
        `the kernel dropped ${drops} at the receive buffer; the receiver took ${sender.sent - drops}; ` +
        `accepted into the events queue ${accepted} (batcher drops since start ${counters['traps:dropped'] ?? 0}, ` +
        `rejected ${counters['traps:rejected'] ?? 0}, malformed ${counters['traps:malformed'] ?? 0}); processed ${processed}; ` +
        `drained ${drained.drainS} s after the last send, peak ${backlogPeak} events jobs queued; ` +
        `CPU over ${wallS.toFixed(1)} s: nicwatch ${daemonCpuS.map((cpu) => cpu.toFixed(1)).join(' + ')} s, redis ${redisCpuS.toFixed(1)} s, ` +
        `sender ${sender.cpuS.toFixed(1)} s, other processes on the machine ≈${othersS.toFixed(1)} s; ${samples.length} latency samples, ` +
        `max ${samples.length ? Math.max(...samples) : '-'} ms; ` +
        `Redis ${dbsize} keys in ${(Number(memory) / 2 ** 20).toFixed(0)} MiB`,
    );
    return {
      rate,
      sent: sender.sent,
      accepted,
      processed,
      lost: sender.sent - processed,
      p50Ms: percentile(samples, 50),
      p99Ms: percentile(samples, 99),
    };
  } finally {
    client?.disconnect();
    for (const child of nicwatch?.children ?? []) await stop(child);
    if (redis) await stop(redis.child);
    rmSync(runDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The reference: snmptrapd logging to a file

interface ReferenceResult {
  reference: 'snmptrapd';
  rate: number;
  sent: number;
  logged: number;
  lost: number;
}

/** Traps in an snmptrapd log: each begins with a line that starts with its date. */
function countLogged(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let count = 0;
    let lineStart = true;
    const stream = createReadStream(file, { highWaterMark: 1 << 20 });
    stream.on('data', (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      for (let i = 0; i < bytes.length; i += 1) {
        const byte = bytes[i] as number;
        if (lineStart && byte >= 0x30 && byte <= 0x39) count += 1;
        lineStart = byte === 10;
      }
    });
    stream.once('error', reject);
    stream.once('end', () => resolve(count));
  });
}

async function benchSnmptrapd(rate: number, count: number): Promise<ReferenceResult> {
  const runDir = mkdtempSync(join(dir, `snmptrapd-${rate}-`));
  let trapd: ChildProcess | null = null;
  try {
    const port = await freeUdpPort();
    const conf = join(runDir, 'trapd.conf');
    const log = join(runDir, 'trapd.log');
    writeFileSync(conf, 'authCommunity log public\n');
    const fd = openSync(join(runDir, 'trapd.out'), 'a');
    try {
      trapd = track(
        spawn(
          'snmptrapd',
          ['-n', '-M', '/dev/null', '-f', '-C', '-c', conf, '-Lf', log, `udp:127.0.0.1:${port}`],
          { stdio: ['ignore', fd, fd], env: { ...process.env, MIBS: '' } },
        ),
        'snmptrapd',
      );
    } finally {
      closeSync(fd);
    }
    const child = trapd;
    await waitFor(
      'snmptrapd',
      () => {
        if (!running(child))
          throw new Error(`snmptrapd exited:\n${tail(join(runDir, 'trapd.out'))}`);
        return kernelDrops(port) !== null && readText(log).includes('NET-SNMP version');
      },
      10_000,
    );
    const machineBusy = machineBusyS();
    const sender = await send(port, rate, count);
    // logged once its count has not moved for SETTLED_MS
    let logged = await countLogged(log);
    for (let stable = Date.now(); Date.now() - stable < SETTLED_MS; await sleep(250)) {
      const now = await countLogged(log);
      if (now !== logged) stable = Date.now();
      logged = now;
    }
    const drops = kernelDrops(port) ?? 0;
    const othersS = machineBusyS() - machineBusy - cpuS(child.pid) - sender.cpuS;
    note(
      `snmptrapd at ${rate}/s: sent ${sender.sent} (${sender.rate}/s), the kernel dropped ${drops} at its receive buffer, logged ${logged}; ` +
        `CPU snmptrapd ${cpuS(child.pid).toFixed(1)} s, sender ${sender.cpuS.toFixed(1)} s, other processes ≈${othersS.toFixed(1)} s`,
    );
    return { reference: 'snmptrapd', rate, sent: sender.sent, logged, lost: sender.sent - logged };
  } finally {
    if (trapd) await stop(trapd);
    rmSync(runDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  for (const rate of RATES) {
    const count = Math.round(rate * SECONDS);
    const result = await benchNicwatch(rate, count);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (REFERENCE) process.stdout.write(`${JSON.stringify(await benchSnmptrapd(rate, count))}\n`);
  }
}

main().then(
  () => {
    cleanup();
    process.exit(0);
  },
  (err: unknown) => {
    console.error(err);
    cleanup();
    process.exit(1);
  },
);
