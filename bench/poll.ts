/**
 * bench/poll: what one poll of a large switch costs nicwatch, against Net-SNMP's snmpbulkwalk.
 *
 * Builds a "large switch" in a network namespace (`nwbench<pid>`): a kernel-STP bridge `br0` with
 * BENCH_PORTS ports (default 400) `swp1`…, made of BENCH_PORTS/2 veth pairs with BOTH ends
 * enslaved to the bridge, so that ifTable has as many port rows as the bridge has ports (plus lo,
 * mgmt, br0) and STP has work to do (each pair is a loop: one end forwards, the other blocks). A
 * management veth to the root namespace carries a /30 of 198.18.0.0/15; snmpd runs inside (IF-MIB,
 * master agentx) with Net-SNMP's snmp-bridge-mib AgentX subagent (BRIDGE-MIB). Recipe:
 * /work/shared/docs/real-peers.md; start-up steps as in test/helpers/netns-lab.ts. A 2-port control
 * switch (`nwbench<pid>s`) is built the same way to show the fixed cost of a poll.
 *
 * Then, one walk after the other, up to BENCH_WALKS (30) walks or BENCH_SECONDS (60 s) per side:
 * - nicwatch: `pollSwitch(openSnmpClient(target))`, a client per poll as the daemon opens one;
 *   CPU of this process (process.cpuUsage deltas);
 * - reference: the requests pollSwitch makes, one Net-SNMP process each, all of a walk started at
 *   once (pollSwitch runs its walks in parallel too): `snmpbulkwalk -v2c -c public -Cr25 -On` per
 *   subtree, `snmpget` for its two GETs of the bridge scalars (MIBS= and -M /dev/null: no MIB
 *   loading; -t 10 -r 0 like the client here). CPU of the children from /proc/self/stat (cutime +
 *   cstime: the kernel sums the reaped children's exact times, rounding once). snmpbulkwalk also
 *   GETs the root of a subtree that walked empty (4 of the 17 here), which nicwatch does not.
 * The agent (snmpd + subagent) is the same for both; its CPU per walk goes to stderr as a check.
 *
 * Prints one JSON line (notes on stderr). Run: npm run build && npx tsx bench/poll.ts  (root)
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
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  IF_TABLE_COLUMNS,
  IF_X_TABLE_COLUMNS,
  STP_BRIDGE_SCALARS,
  pollSwitch,
} from '../src/poll/switch-poller';
import {
  DOT1D_BASE_PORT_IF_INDEX,
  DOT1D_STP_PORT_OPER_EDGE_PORT,
  DOT1D_STP_PORT_STATE,
  DOT3AD_AGG_PORT_SELECTED_AGG_ID,
  IF_STACK_STATUS,
  LLDP_LOC_PORT_TABLE,
  LLDP_REM_TABLE,
  SYS_UP_TIME,
} from '../src/snmp/oids';
import { openSnmpClient, type SnmpClient, type SnmpTarget } from '../src/snmp/session';

/** The subtrees one pollSwitch walks (src/poll/switch-poller.ts), dot1dBasePortIfIndex twice. */
const WALKS = [
  ...IF_TABLE_COLUMNS,
  ...IF_X_TABLE_COLUMNS,
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
const STP_SCALARS = STP_BRIDGE_SCALARS;
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
/** Ports of the control switch. */
const SMALL_PORTS = 2;

// ---------------------------------------------------------------------------------------------
// Run state and clean-up: everything by PID, namespace and link name

/** The large switch and a 2-port control switch that shows the fixed cost of a walk. */
const SWITCH_NAMES = { large: `nwbench${process.pid}`, small: `nwbench${process.pid}s` };
const dir = mkdtempSync(join(tmpdir(), 'nicwatch-bench-poll-'));
const children: ChildProcess[] = [];
const namespaces: string[] = [];
const rootLinks: string[] = [];
let lockFile = '';
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
  for (const ns of namespaces) {
    // a namespace goes once its processes have exited
    for (let i = 0; i < 50; i += 1) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout?.trim();
      if (!pids) break;
      if (i === 49) console.error(`bench/poll: processes left in ${ns}: ${pids}`);
      spawnSync('sleep', ['0.1']);
    }
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  }
  for (const link of rootLinks) {
    // gone with its peer's namespace, normally
    if (existsSync(`/sys/class/net/${link}`))
      spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
  }
  rmSync(dir, { recursive: true, force: true });
  if (lockFile && readText(lockFile) === String(process.pid)) rmSync(lockFile, { force: true });
}

process.once('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    cleanup();
    process.exit(128 + constants.signals[signal]);
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
 * Returns the block's first address as an integer.
 */
function reserveBlock(): number {
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
    const file = join(tmpdir(), `nicwatch-netns-slot-${slot}.lock`);
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
    } catch {
      const holder = Number.parseInt(readText(file), 10);
      if (!(Number.isInteger(holder) && holder > 0 && alive(holder))) {
        try {
          unlinkSync(file); // left by a dead process: free for the next run
        } catch {
          // taken meanwhile
        }
      }
      continue;
    }
    lockFile = file;
    return base + slot * 256;
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
// A switch: namespace, bridge, ports, snmpd and snmp-bridge-mib

interface Switch {
  ns: string;
  /** The root side of the management link. */
  rootLink: string;
  ports: number;
  ip: string;
  dir: string;
  agentPids: number[];
}

function spawnIn(sw: Switch, log: string, command: string[], env: NodeJS.ProcessEnv) {
  const fd = openSync(join(sw.dir, log), 'a');
  try {
    // `ip netns exec` execs the command itself: the PID is the daemon's
    const child = spawn('ip', ['netns', 'exec', sw.ns, ...command], {
      stdio: ['ignore', fd, fd],
      env: { ...TOOL_ENV, ...env },
    });
    if (child.pid === undefined) throw new Error(`cannot start ${command[0]} in ${sw.ns}`);
    child.on('error', () => undefined);
    children.push(child);
    return child;
  } finally {
    closeSync(fd);
  }
}

/** The kernel's STP state of every bridge port (0 disabled … 4 blocking). */
function stpStates(ns: string): number[] {
  const result = spawnSync(
    'ip',
    [
      'netns',
      'exec',
      ns,
      'sh',
      '-c',
      'for p in /sys/class/net/br0/brif/*; do cat "$p/state"; done',
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  return result.stdout.trim().split('\n').filter(Boolean).map(Number);
}

/** Namespace, management link, bridge and ports (`swp1`…), with one `ip -batch` run. */
function buildNetwork(ns: string, ports: number, net: number): Switch {
  const rootLink = `nwb${ns.slice('nwbench'.length)}`; // ≤ 15 characters
  const [rootIp, address] = [intToIp(net + 1), intToIp(net + 2)];
  const sw: Switch = { ns, rootLink, ports, ip: address, dir: join(dir, ns), agentPids: [] };
  mkdirSync(join(sw.dir, 'state'), { recursive: true });
  mkdirSync(join(sw.dir, 'subagent-state'));
  ip(['netns', 'add', ns]);
  namespaces.push(ns);
  ip(['link', 'add', rootLink, 'type', 'veth', 'peer', 'name', 'mgmt', 'netns', ns]);
  rootLinks.push(rootLink);
  ip(['addr', 'add', `${rootIp}/30`, 'dev', rootLink]);
  ip(['link', 'set', rootLink, 'up']);
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
  const batchFile = join(sw.dir, 'switch.ip');
  writeFileSync(batchFile, `${batch.join('\n')}\n`);
  ip(['-n', ns, '-batch', batchFile]);
  return sw;
}

/** snmpd, then (once STP has settled) snmp-bridge-mib; waits until BRIDGE-MIB shows every port. */
async function startAgents(sw: Switch): Promise<void> {
  // kernel STP: every port out of listening (1) and learning (2)
  await waitFor(
    `STP convergence of ${sw.ports} ports in ${sw.ns}`,
    async () => {
      const states = stpStates(sw.ns);
      return states.length === sw.ports && states.every((state) => state !== 1 && state !== 2);
    },
    60_000,
  );
  const socket = join(sw.dir, 'agentx.sock');
  const state = join(sw.dir, 'state');
  writeFileSync(
    join(sw.dir, 'snmpd.conf'),
    [
      `agentaddress udp:${sw.ip}:161`,
      `rocommunity ${COMMUNITY}`,
      'master agentx',
      `agentXSocket ${socket}`,
      '',
    ].join('\n'),
  );
  // the subagent reads dot1qbridge.conf from SNMPCONFPATH
  writeFileSync(join(sw.dir, 'dot1qbridge.conf'), `agentXSocket ${socket}\nagentXPingInterval 1\n`);
  const snmpd = spawnIn(
    sw,
    'snmpd.out',
    [
      'snmpd',
      '-f',
      '-C',
      '-c',
      join(sw.dir, 'snmpd.conf'),
      '-Lf',
      join(sw.dir, 'snmpd.log'),
    ].concat(`--persistentDir=${state}`),
    { SNMP_PERSISTENT_DIR: state },
  );
  const exited = (what: string, log: string): Error =>
    new Error(`${what} in ${sw.ns} exited:\n${tail(join(sw.dir, log))}`);
  await waitFor(
    `snmpd at ${sw.ip}:161`,
    async () => {
      if (snmpd.exitCode !== null) throw exited('snmpd', 'snmpd.log');
      return (await run('snmpget', [...snmpArgs('snmpget'), sw.ip, SYS_UP_TIME])).status === 0;
    },
    15_000,
  );
  // snmp-bridge-mib as installed: its copy of the kernel's bridge state lives 60 s (the test lab
  // lowers that to 1 s for freshness; a benchmark wants the agent's cost low and steady)
  const subagent = spawnIn(sw, 'subagent.log', ['perl', BRIDGE_MIB, 'br0'], {
    SNMPCONFPATH: sw.dir,
    SNMP_PERSISTENT_DIR: join(sw.dir, 'subagent-state'),
  });
  await waitFor(
    `snmp-bridge-mib with ${sw.ports} ports in ${sw.ns}`,
    async () => {
      if (subagent.exitCode !== null) throw exited('snmp-bridge-mib', 'subagent.log');
      const probe = await run(
        'snmpget',
        [...snmpArgs('snmpget'), '-Oqv', sw.ip, DOT1D_BASE_NUM_PORTS],
        true,
      );
      return probe.status === 0 && probe.stdout.trim() === String(sw.ports);
    },
    60_000,
  );
  sw.agentPids = [snmpd.pid!, subagent.pid!];
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
  /** CPU of snmpd, then of snmp-bridge-mib. */
  agentCpuS: number[];
  /** Packets sent to the switch: the requests. */
  requests: number;
}

async function measure(
  count: number,
  sw: Switch,
  cpu: () => number,
  once: () => Promise<unknown>,
): Promise<Phase> {
  const agentCpu = () => sw.agentPids.map(processCpuS);
  const sent = () => Number(readText(`/sys/class/net/${sw.rootLink}/statistics/tx_packets`));
  const agentBefore = agentCpu();
  const sentBefore = sent();
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
    agentCpuS: agentCpu().map((cpuS, i) => cpuS - (agentBefore[i] ?? 0)),
    requests: sent() - sentBefore,
  };
}

/** CPU of this process, user + system. */
function ownCpuS(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

function round(value: number, digits = 3): number {
  return Number(value.toPrecision(digits));
}

function targetOf(sw: Switch): SnmpTarget {
  return {
    host: sw.ip,
    port: 161,
    version: '2c',
    community: COMMUNITY,
    timeoutMs: TIMEOUT_S * 1000,
    retries: 0,
  };
}

/** Warm-up (JIT, agent caches) and a check that the reference asks what pollSwitch asks. */
async function warmUp(sw: Switch): Promise<number> {
  const tally = { requests: [] as string[], rows: 0 };
  const snapshot = await nicwatchWalk(targetOf(sw), tally);
  if ((snapshot.stpPorts?.length ?? 0) !== sw.ports || snapshot.interfaces.length < sw.ports) {
    throw new Error(
      `${sw.ns}: poll saw ${snapshot.interfaces.length} interfaces, ` +
        `${snapshot.stpPorts?.length} STP ports`,
    );
  }
  const reference = [
    ...WALKS.map((oid) => `walk ${oid}`),
    ...GETS.map((oids) => `get ${oids.join(' ')}`),
  ];
  // as sets: readStpPorts reads the bridge port tables twice when the port map moved meanwhile
  const distinct = (list: string[]): string => JSON.stringify([...new Set(list)].sort());
  if (distinct(tally.requests) !== distinct(reference)) {
    throw new Error(
      `pollSwitch's requests changed; update WALKS/GETS:\n${tally.requests.join('\n')}`,
    );
  }
  for (let i = 0; i < 3; i += 1) await nicwatchWalk(targetOf(sw));
  return tally.rows;
}

async function main(): Promise<void> {
  if (!Number.isInteger(PORTS) || PORTS < 4 || PORTS % 2 !== 0 || PORTS > 4000) {
    throw new Error('BENCH_PORTS: an even number from 4 to 4000 (veth pairs, both ends bridged)');
  }
  if (process.getuid?.() !== 0) throw new Error('bench/poll needs root (network namespaces)');
  const setupStarted = Date.now();
  const net = reserveBlock();
  const large = buildNetwork(SWITCH_NAMES.large, PORTS, net);
  const small = buildNetwork(SWITCH_NAMES.small, SMALL_PORTS, net + 4);
  await Promise.all([startAgents(large), startAgents(small)]);
  const setupS = (Date.now() - setupStarted) / 1000;

  const rows = await warmUp(large);
  await warmUp(small);
  const referenceLines = await netSnmpWalk(large.ip);

  const nicwatch = await measure(MAX_WALKS, large, ownCpuS, () => nicwatchWalk(targetOf(large)));
  const netSnmp = await measure(nicwatch.walks, large, childrenCpuS, () => netSnmpWalk(large.ip));
  const control = await measure(10 * MAX_WALKS, small, ownCpuS, () =>
    nicwatchWalk(targetOf(small)),
  );
  // what a Net-SNMP process costs before it walks: start-up and one GET, as many at once as a walk
  const processes = WALKS.length + GETS.length;
  const startup = await measure(MAX_WALKS, large, childrenCpuS, () =>
    Promise.all(
      Array.from({ length: processes }, () =>
        run('snmpget', [...snmpArgs('snmpget'), large.ip, SYS_UP_TIME]),
      ),
    ),
  );

  const cpuPerWalk = nicwatch.cpuS / nicwatch.walks;
  const referenceCpuPerWalk = netSnmp.cpuS / netSnmp.walks;
  // CPU per walk taken as affine in the port count, through the 2-port control switch (the fixed
  // cost: requests, client, decoders' set-up) and the large one; then 1,000 × that at 48 ports,
  // i.e. CPU seconds per 30 s cycle (≤ 30: one core)
  const fixed = control.cpuS / control.walks;
  const perPort = (cpuPerWalk - fixed) / (PORTS - SMALL_PORTS);
  const at48 = fixed + perPort * (48 - SMALL_PORTS);
  const result = {
    ports: PORTS,
    walks: nicwatch.walks,
    nicwatchWalksPerS: round(nicwatch.walks / nicwatch.wallS),
    nicwatchCpuSPerWalk: round(cpuPerWalk),
    snmpbulkwalkWalksPerS: round(netSnmp.walks / netSnmp.wallS),
    snmpbulkwalkCpuSPerWalk: round(referenceCpuPerWalk),
    cpuRatio: round(cpuPerWalk / referenceCpuPerWalk),
    fleetCoreEstimate: round(at48 * 1000),
  };
  const startupPerProcess = startup.cpuS / startup.walks / processes;
  const ms = (seconds: number): string => `${(seconds * 1000).toFixed(1)} ms`;
  const requests = (phase: Phase): string => (phase.requests / phase.walks).toFixed(1);
  const agent = (phase: Phase): string =>
    phase.agentCpuS.map((cpuS) => ms(cpuS / phase.walks)).join(' + ');
  process.stderr.write(
    [
      `bench/poll: switches ready in ${setupS.toFixed(1)} s`,
      `per walk of ${PORTS} ports: ${rows} varbinds to nicwatch, ${referenceLines} lines from ` +
        `Net-SNMP (${netSnmp.walks} walks); requests ` +
        `${requests(nicwatch)} (nicwatch), ${requests(netSnmp)} (Net-SNMP); agent CPU (snmpd + ` +
        `snmp-bridge-mib) ${agent(nicwatch)} (nicwatch), ${agent(netSnmp)} (Net-SNMP)`,
      `Net-SNMP: ${ms(startupPerProcess)} CPU per process for start-up and one GET; the ` +
        `reference walk less its ${processes} start-ups: ${ms(referenceCpuPerWalk - processes * startupPerProcess)}`,
      `nicwatch: ${ms(fixed)} CPU per walk of ${SMALL_PORTS} ports (${control.walks} walks), ` +
        `${(perPort * 1e6).toFixed(0)} µs more per port; ${ms(at48)} per walk of 48 ports`,
      '',
    ].join('\n'),
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(cleanup);
