/**
 * bench/poll: what one poll of a large switch costs, against Net-SNMP's snmpbulkwalk.
 *
 * Builds a "large switch" in a network namespace (`nwbench<pid>`): a kernel-STP bridge `br0` with
 * BENCH_PORTS ports (default 400), made of BENCH_PORTS/2 veth pairs with BOTH ends enslaved to the
 * bridge, so that ifTable holds about as many rows as the bridge has ports (ports + lo, mgmt, br0)
 * and STP has real work (each pair is a loop: one end forwards, the other blocks). A management
 * veth to the root namespace carries a /30 of 198.18.0.0/15; snmpd runs inside the namespace
 * (IF-MIB, master agentx) with Net-SNMP's snmp-bridge-mib AgentX subagent (BRIDGE-MIB). Recipe:
 * /work/shared/docs/real-peers.md; start-up as in test/helpers/netns-lab.ts.
 *
 * Then, sequentially, up to BENCH_WALKS (30) walks or BENCH_SECONDS (60 s) per side:
 * - nicwatch: `pollSwitch(openSnmpClient(target))`, a client per poll as the daemon does; CPU of
 *   this process (process.cpuUsage deltas);
 * - reference: the same requests pollSwitch makes, one Net-SNMP process each, all of one walk
 *   started at once (as pollSwitch runs its walks in parallel): `snmpbulkwalk -v2c -Cr25 -On` per
 *   subtree and `snmpget` for the two scalar GETs; CPU of the children from /proc/self/stat
 *   (cutime + cstime of the reaped children, summed by the kernel before rounding to ticks).
 * The agent (snmpd + subagent) is the same for both; its CPU per walk goes to stderr as a check.
 *
 * Prints one JSON line. Run: npm run build && npx tsx bench/poll.ts   (needs root)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pollSwitch } from '../src/poll/switch-poller';
import {
  DOT1D_BASE_BRIDGE_ADDRESS,
  DOT1D_BASE_PORT_IF_INDEX,
  DOT1D_STP_DESIGNATED_ROOT,
  DOT1D_STP_PORT_OPER_EDGE_PORT,
  DOT1D_STP_PORT_STATE,
  DOT1D_STP_PRIORITY,
  DOT1D_STP_ROOT_PORT,
  DOT1D_STP_TIME_SINCE_TOPOLOGY_CHANGE,
  DOT1D_STP_TOP_CHANGES,
  DOT3AD_AGG_PORT_SELECTED_AGG_ID,
  IF_ADMIN_STATUS,
  IF_ALIAS,
  IF_DESCR,
  IF_HIGH_SPEED,
  IF_LAST_CHANGE,
  IF_NAME,
  IF_OPER_STATUS,
  IF_SPEED,
  IF_STACK_STATUS,
  IF_TYPE,
  LLDP_LOC_PORT_TABLE,
  LLDP_REM_TABLE,
  SYS_UP_TIME,
} from '../src/snmp/oids';
import { openSnmpClient, type SnmpClient, type SnmpTarget } from '../src/snmp/session';

/** The subtrees one pollSwitch walks (src/poll/switch-poller.ts), dot1dBasePortIfIndex twice. */
const WALKS = [
  IF_DESCR,
  IF_TYPE,
  IF_SPEED,
  IF_ADMIN_STATUS,
  IF_OPER_STATUS,
  IF_LAST_CHANGE,
  IF_NAME,
  IF_HIGH_SPEED,
  IF_ALIAS,
  DOT1D_BASE_PORT_IF_INDEX,
  DOT1D_STP_PORT_STATE,
  DOT1D_STP_PORT_OPER_EDGE_PORT,
  DOT1D_BASE_PORT_IF_INDEX,
  IF_STACK_STATUS,
  DOT3AD_AGG_PORT_SELECTED_AGG_ID,
  LLDP_REM_TABLE,
  LLDP_LOC_PORT_TABLE,
];
/** Its GETs: the bridge scalars at `.0`, then (snmp-bridge-mib has no `.0`) at the object. */
const STP_SCALARS = [
  DOT1D_BASE_BRIDGE_ADDRESS,
  DOT1D_STP_PRIORITY,
  DOT1D_STP_TIME_SINCE_TOPOLOGY_CHANGE,
  DOT1D_STP_TOP_CHANGES,
  DOT1D_STP_DESIGNATED_ROOT,
  DOT1D_STP_ROOT_PORT,
];
const GETS = [STP_SCALARS.map((oid) => `${oid}.0`), STP_SCALARS];
const DOT1D_BASE_NUM_PORTS = '1.3.6.1.2.1.17.1.2';

const BRIDGE_MIB = '/usr/bin/snmp-bridge-mib';
const TOOL_ENV = { ...process.env, MIBS: '' };
const CLK_TCK = 100;
const COMMUNITY = 'public';
const TIMEOUT_S = 10;

const PORTS = Number(process.env.BENCH_PORTS ?? 400);
const MAX_WALKS = Number(process.env.BENCH_WALKS ?? 30);
const MAX_SECONDS = Number(process.env.BENCH_SECONDS ?? 60);

// ---------------------------------------------------------------------------------------------
// Run state and clean-up: everything by PID, namespace and link name

const NS = `nwbench${process.pid}`;
const ROOT_LINK = `nwb${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'nicwatch-bench-poll-'));
const children: ChildProcess[] = [];
const created = { ns: false, rootLink: false, lockFile: '' };
let cleaned = false;

function cleanup(): void {
  if (cleaned) return;
  cleaned = true;
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  if (created.ns) {
    // the namespace only goes once its processes have exited
    for (let i = 0; i < 50; i += 1) {
      const pids = spawnSync('ip', ['netns', 'pids', NS], { encoding: 'utf8' }).stdout?.trim();
      if (!pids) break;
      if (i === 49) console.error(`bench/poll: processes left in ${NS}: ${pids}`);
      spawnSync('sleep', ['0.1']);
    }
    spawnSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
  }
  if (created.rootLink && existsSync(`/sys/class/net/${ROOT_LINK}`)) {
    spawnSync('ip', ['link', 'del', ROOT_LINK], { stdio: 'ignore' });
  }
  rmSync(dir, { recursive: true, force: true });
  if (created.lockFile && readText(created.lockFile) === String(process.pid)) {
    rmSync(created.lockFile, { force: true });
  }
}

process.once('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    cleanup();
    process.exit(130);
  });
}

// ---------------------------------------------------------------------------------------------
// Helpers

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function ip(args: string[]): string {
  const result = spawnSync('ip', args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(`ip ${args.join(' ')}: ${(result.stderr || String(result.error)).trim()}`);
  }
  return result.stdout;
}

function ipToInt(address: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

function intToIp(int: number): string {
  return [int >>> 24, (int >>> 16) & 255, (int >>> 8) & 255, int & 255].join('.');
}

/**
 * A /24 of 198.18.0.0/15 that no root-side address uses, reserved with the lock file the netns
 * lab takes for the same block (its slot), so a test lab started meanwhile picks another one.
 */
function reserveAddresses(): { rootIp: string; ip: string } {
  const base = ipToInt('198.18.0.0');
  const used = new Set(
    (
      JSON.parse(ip(['-j', '-4', 'addr', 'show'])) as Array<{
        addr_info?: Array<{ local?: string }>;
      }>
    )
      .flatMap((link) => (link.addr_info ?? []).map((info) => ipToInt(info.local ?? '0.0.0.0')))
      .filter((int) => int >= base && int < base + 512 * 256)
      .map((int) => Math.floor((int - base) / 256)),
  );
  for (let slot = 511; slot >= 0; slot -= 1) {
    if (used.has(slot)) continue;
    const lockFile = join(tmpdir(), `nicwatch-netns-slot-${slot}.lock`);
    try {
      const fd = openSync(lockFile, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
    } catch {
      const holder = Number.parseInt(readText(lockFile), 10);
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) continue;
      try {
        unlinkSync(lockFile); // left by a dead process: take it on the next slot round
      } catch {
        // taken meanwhile
      }
      continue;
    }
    created.lockFile = lockFile;
    return { rootIp: intToIp(base + slot * 256 + 1), ip: intToIp(base + slot * 256 + 2) };
  }
  throw new Error('no free /24 in 198.18.0.0/15');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface RunResult {
  status: number | null;
  lines: number;
  stdout: string;
}

/** Runs a command without blocking the event loop; counts its output lines. */
function run(cmd: string, args: string[], keepOutput = false): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: TOOL_ENV, stdio: ['ignore', 'pipe', 'ignore'] });
    let lines = 0;
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) lines += 1;
      if (keepOutput) stdout += chunk.toString();
    });
    child.once('error', () => resolve({ status: null, lines, stdout }));
    child.once('close', (status) => resolve({ status, lines, stdout }));
  });
}

function snmpArgs(tool: 'snmpget' | 'snmpbulkwalk'): string[] {
  const common = ['-v2c', '-c', COMMUNITY, '-t', String(TIMEOUT_S), '-r', '0', '-M', '/dev/null'];
  return tool === 'snmpbulkwalk' ? [...common, '-Cr25', '-On'] : [...common, '-On'];
}

async function waitFor(what: string, ready: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await sleep(100);
  }
  throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

function tail(file: string): string {
  return readText(file).trimEnd().split('\n').slice(-15).join('\n');
}

/** user + system CPU seconds of the reaped children of this process. */
function childrenCpuS(): number {
  return statTicks('/proc/self/stat', 13, 14);
}

/** user + system CPU seconds of a process. */
function processCpuS(pid: number): number {
  return statTicks(`/proc/${pid}/stat`, 11, 12);
}

/** Two fields of /proc/PID/stat, counted from the one after the command name (field 3). */
function statTicks(file: string, a: number, b: number): number {
  const text = readFileSync(file, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[a]) + Number(fields[b])) / CLK_TCK;
}

// ---------------------------------------------------------------------------------------------
// The switch

interface Switch {
  ip: string;
  agentPids: number[];
}

function spawnInNs(log: string, command: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const fd = openSync(join(dir, log), 'a');
  try {
    // `ip netns exec` execs the command itself: the PID is the daemon's
    const child = spawn('ip', ['netns', 'exec', NS, ...command], {
      stdio: ['ignore', fd, fd],
      env: { ...TOOL_ENV, ...env },
    });
    if (child.pid === undefined) throw new Error(`cannot start ${command[0]} in ${NS}`);
    child.on('error', () => undefined);
    children.push(child);
    return child;
  } finally {
    closeSync(fd);
  }
}

function stpStates(): number[] {
  const result = spawnSync(
    'ip',
    [
      'netns',
      'exec',
      NS,
      'sh',
      '-c',
      'for p in /sys/class/net/br0/brif/*; do cat "$p/state"; done',
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  return result.stdout.trim().split('\n').filter(Boolean).map(Number);
}

async function buildSwitch(ports: number): Promise<Switch> {
  const { rootIp, ip: address } = reserveAddresses();
  ip(['netns', 'add', NS]);
  created.ns = true;
  ip(['link', 'add', ROOT_LINK, 'type', 'veth', 'peer', 'name', 'mgmt', 'netns', NS]);
  created.rootLink = true;
  ip(['addr', 'add', `${rootIp}/30`, 'dev', ROOT_LINK]);
  ip(['link', 'set', ROOT_LINK, 'up']);
  // the shortest STP timers the kernel accepts (centiseconds), as in the netns lab
  const batch = [
    'link set lo up',
    `addr add ${address}/30 dev mgmt`,
    'link set mgmt up',
    'link add br0 type bridge stp_state 1 forward_delay 200 hello_time 100 max_age 600',
    'link set br0 up',
  ];
  for (let port = 1; port < ports; port += 2) {
    const [a, b] = [`swp${port}`, `swp${port + 1}`];
    batch.push(
      `link add ${a} type veth peer name ${b}`,
      `link set ${a} master br0`,
      `link set ${b} master br0`,
      `link set ${a} up`,
      `link set ${b} up`,
    );
  }
  const batchFile = join(dir, 'switch.ip');
  writeFileSync(batchFile, `${batch.join('\n')}\n`);
  ip(['-n', NS, '-batch', batchFile]);

  // kernel STP: every port out of listening (1) and learning (2)
  await waitFor(
    `STP convergence of ${ports} ports`,
    async () => {
      const states = stpStates();
      return states.length === ports && states.every((state) => state !== 1 && state !== 2);
    },
    60_000,
  );

  const socket = join(dir, 'agentx.sock');
  const state = join(dir, 'state');
  mkdirSync(state);
  mkdirSync(join(dir, 'subagent-state'));
  writeFileSync(
    join(dir, 'snmpd.conf'),
    [
      `agentaddress udp:${address}:161`,
      `rocommunity ${COMMUNITY}`,
      'master agentx',
      `agentXSocket ${socket}`,
      '',
    ].join('\n'),
  );
  // the subagent reads dot1qbridge.conf from SNMPCONFPATH
  writeFileSync(join(dir, 'dot1qbridge.conf'), `agentXSocket ${socket}\nagentXPingInterval 1\n`);

  const snmpd = spawnInNs(
    'snmpd.out',
    [
      'snmpd',
      '-f',
      '-C',
      '-c',
      join(dir, 'snmpd.conf'),
      '-Lf',
      join(dir, 'snmpd.log'),
      `--persistentDir=${state}`,
    ],
    { SNMP_PERSISTENT_DIR: state },
  );
  const exited = (child: ChildProcess, log: string): Error =>
    new Error(`${child.spawnargs.slice(3, 4).join('')} exited:\n${tail(join(dir, log))}`);
  await waitFor(
    `snmpd at ${address}:161`,
    async () => {
      if (snmpd.exitCode !== null) throw exited(snmpd, 'snmpd.log');
      return (await run('snmpget', [...snmpArgs('snmpget'), address, SYS_UP_TIME])).status === 0;
    },
    15_000,
  );
  // snmp-bridge-mib as installed: its cache of the kernel's bridge state lives 60 s (the test lab
  // lowers it to 1 s for freshness; a benchmark wants the agent's cost low and steady)
  const subagent = spawnInNs('subagent.log', ['perl', BRIDGE_MIB, 'br0'], {
    SNMPCONFPATH: dir,
    SNMP_PERSISTENT_DIR: join(dir, 'subagent-state'),
  });
  await waitFor(
    `snmp-bridge-mib with ${ports} ports`,
    async () => {
      if (subagent.exitCode !== null) throw exited(subagent, 'subagent.log');
      const probe = await run(
        'snmpget',
        [...snmpArgs('snmpget'), '-Oqv', address, DOT1D_BASE_NUM_PORTS],
        true,
      );
      return probe.status === 0 && probe.stdout.trim() === String(ports);
    },
    60_000,
  );
  return { ip: address, agentPids: [snmpd.pid!, subagent.pid!] };
}

// ---------------------------------------------------------------------------------------------
// The two pollers

/** An SnmpClient that counts what passes through it. */
function counting(client: SnmpClient, tally: { requests: string[]; rows: number }): SnmpClient {
  return {
    target: client.target,
    get: async (oids) => {
      tally.requests.push(`get ${oids.join(' ')}`);
      const rows = await client.get(oids);
      tally.rows += rows.length;
      return rows;
    },
    walk: async (oid) => {
      tally.requests.push(`walk ${oid}`);
      const rows = await client.walk(oid);
      tally.rows += rows.length;
      return rows;
    },
    close: () => client.close(),
  };
}

async function nicwatchWalk(target: SnmpTarget, tally?: { requests: string[]; rows: number }) {
  const client = openSnmpClient(target);
  try {
    return await pollSwitch(tally ? counting(client, tally) : client);
  } finally {
    client.close();
  }
}

/** One walk the Net-SNMP way; the number of output lines. */
async function netSnmpWalk(address: string): Promise<number> {
  const results = await Promise.all([
    ...WALKS.map((oid) => run('snmpbulkwalk', [...snmpArgs('snmpbulkwalk'), address, oid])),
    ...GETS.map((oids) => run('snmpget', [...snmpArgs('snmpget'), address, ...oids])),
  ]);
  const failed = results.find((result, i) => result.status !== 0 && i < WALKS.length);
  if (failed) throw new Error(`snmpbulkwalk exited with ${failed.status}`);
  return results.reduce((sum, result) => sum + result.lines, 0);
}

interface Phase {
  walks: number;
  wallS: number;
  cpuS: number;
  agentCpuS: number;
}

async function measure(
  count: number,
  agentPids: number[],
  cpu: () => number,
  once: () => Promise<unknown>,
): Promise<Phase> {
  const agentCpu = () => agentPids.reduce((sum, pid) => sum + processCpuS(pid), 0);
  const agentBefore = agentCpu();
  const cpuBefore = cpu();
  const started = performance.now();
  let walks = 0;
  while (walks < count && performance.now() - started < MAX_SECONDS * 1000) {
    await once();
    walks += 1;
  }
  return {
    walks,
    wallS: (performance.now() - started) / 1000,
    cpuS: cpu() - cpuBefore,
    agentCpuS: agentCpu() - agentBefore,
  };
}

function round(value: number, digits: number): number {
  return Number(value.toPrecision(digits));
}

async function main(): Promise<void> {
  if (!Number.isInteger(PORTS) || PORTS < 2 || PORTS % 2 !== 0 || PORTS > 4000) {
    throw new Error('BENCH_PORTS: an even number from 2 to 4000 (veth pairs, both ends bridged)');
  }
  if (process.getuid?.() !== 0) throw new Error('bench/poll needs root (network namespaces)');
  const setupStarted = Date.now();
  const sw = await buildSwitch(PORTS);
  const setupS = (Date.now() - setupStarted) / 1000;
  const target: SnmpTarget = {
    host: sw.ip,
    port: 161,
    version: '2c',
    community: COMMUNITY,
    timeoutMs: TIMEOUT_S * 1000,
    retries: 0,
  };

  // warm-up (JIT, agent caches), and a check that the reference asks what pollSwitch asks
  const tally = { requests: [] as string[], rows: 0 };
  const snapshot = await nicwatchWalk(target, tally);
  if ((snapshot.stpPorts?.length ?? 0) !== PORTS || snapshot.interfaces.length < PORTS) {
    throw new Error(
      `poll saw ${snapshot.interfaces.length} interfaces, ${snapshot.stpPorts?.length} STP ports`,
    );
  }
  const reference = [
    ...WALKS.map((oid) => `walk ${oid}`),
    ...GETS.map((oids) => `get ${oids.join(' ')}`),
  ];
  if (JSON.stringify([...tally.requests].sort()) !== JSON.stringify([...reference].sort())) {
    throw new Error(
      `pollSwitch's requests changed; update WALKS/GETS:\n${tally.requests.join('\n')}`,
    );
  }
  await nicwatchWalk(target);
  const referenceLines = await netSnmpWalk(sw.ip);

  const userSystemS = (): number => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1e6;
  };
  const nicwatch = await measure(MAX_WALKS, sw.agentPids, userSystemS, () =>
    nicwatchWalk(target),
  );
  const netSnmp = await measure(nicwatch.walks, sw.agentPids, childrenCpuS, () =>
    netSnmpWalk(sw.ip),
  );

  const nicwatchCpuSPerWalk = nicwatch.cpuS / nicwatch.walks;
  const snmpbulkwalkCpuSPerWalk = netSnmp.cpuS / netSnmp.walks;
  const result = {
    ports: PORTS,
    walks: nicwatch.walks,
    nicwatchWalksPerS: round(nicwatch.walks / nicwatch.wallS, 3),
    nicwatchCpuSPerWalk: round(nicwatchCpuSPerWalk, 3),
    snmpbulkwalkWalksPerS: round(netSnmp.walks / netSnmp.wallS, 3),
    snmpbulkwalkCpuSPerWalk: round(snmpbulkwalkCpuSPerWalk, 3),
    cpuRatio: round(nicwatchCpuSPerWalk / snmpbulkwalkCpuSPerWalk, 3),
    // CPU seconds per 30 s cycle for 1,000 switches of 48 ports: linear in the port count
    fleetCoreEstimate: round(nicwatchCpuSPerWalk * (48 / PORTS) * 1000, 3),
  };
  process.stderr.write(
    `bench/poll: switch ready in ${setupS.toFixed(1)} s; ${tally.rows} varbinds per nicwatch ` +
      `walk, ${referenceLines} lines per Net-SNMP walk; agent CPU per walk ` +
      `${(nicwatch.agentCpuS / nicwatch.walks).toFixed(3)} s (nicwatch), ` +
      `${(netSnmp.agentCpuS / netSnmp.walks).toFixed(3)} s (Net-SNMP); ` +
      `Net-SNMP walks done: ${netSnmp.walks}\n`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanup);
