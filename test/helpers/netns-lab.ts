/**
 * A real network lab in Linux network namespaces, for integration tests of the poller and API.
 *
 * Switches are namespaces with a kernel-STP bridge `br0`, served by their own snmpd (IF-MIB) and
 * Net-SNMP's `snmp-bridge-mib` AgentX subagent (BRIDGE-MIB from the kernel's bridge state).
 * Servers are namespaces whose NICs are veth peers of switch ports; their snmpd serves `extend`
 * entries printing files the test writes. Every device has a management veth to the root
 * namespace with a /30 from 198.18.0.0/15; poll it on udp/161.
 *
 * Recipes: /work/shared/docs/real-peers.md. Needs root.
 *
 * Isolation between parallel test files: each run takes a slot 0..511 with an exclusive lock file
 * in the temp folder; the slot gives the name prefix (`nw<slot>-`, root-side links `m<slot>-`) and a
 * /24 of 198.18.0.0/15 (64 /30s). Everything started is cleaned up by PID in `stop()`, and as a
 * last resort on process exit.
 *
 * The extend cache: `extend -cacheTime N` sets nsExtendCacheTime per entry. `-cacheTime 0` is
 * ignored (the entry keeps the default 5 s); `-cacheTime -1` re-runs the command on every request
 * (the lab's default); `-cacheTime 1` shows a change within about 1 s. Writing nsExtendCacheTime
 * with snmpset (rwcommunity) answers genError on Debian's snmpd 5.9.3, for entries from the
 * configuration file and for rows created over SNMP alike.
 *
 * IF-MIB lags too: snmpd caches ifTable for 3 s (nsCacheTimeout, which snmpset can change; see
 * `ifTableCacheSeconds`). BRIDGE-MIB lags by up to 2 s (the subagent's cache, lowered from 60 s to
 * 1 s, compares whole seconds).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './snmpd';
import { waitFor } from './wait';
import { DEMO_MANAGEMENT_NET } from '../../src/lab/netns';

// ---------------------------------------------------------------------------------------------
// Spec and public types

export interface SwitchSpec {
  /** Device name: letters, digits and `-`, at most 10 characters (e.g. `sw-a`). */
  name: string;
  /** Bridge priority (root 4096, access 32768). Default 32768. */
  priority?: number;
  /**
   * Makes this switch's snmpd send SNMPv2c linkDown/linkUp itself when one of its interfaces'
   * ifOperStatus changes (DISMAN-EVENT-MIB monitors evaluated every second). Default: no traps.
   */
  trapSink?: TrapSinkSpec;
}

/**
 * Where a switch's snmpd sends its link notifications. It samples ifOperStatus every second
 * through the ifTable cache, so a trap leaves up to 1 s plus the cache's age after the carrier
 * change (0.2–0.9 s measured with `ifTableCacheSeconds: 1`, 2.6 s once with Net-SNMP's 3 s). At
 * start (and at `startAgent`) it may also send a coldStart and a linkUp per interface already up.
 */
export interface TrapSinkSpec {
  /** Receiver's IPv4 address. Default: the root side of the switch's management link (its .1). */
  host?: string;
  /** Receiver's UDP port. */
  port: number;
  /** Default: the lab's `community`. */
  community?: string;
}

export interface LinkSpec {
  /** Switch names. */
  a: string;
  b: string;
  /** Port names on a and b (≤ 15 characters). Default `to-<b>` on a and `to-<a>` on b. */
  portA?: string;
  portB?: string;
}

export interface NicSpec {
  /** NIC name in the server namespace, e.g. `eth0`. */
  name: string;
  /** Switch and port name the NIC is cabled to, e.g. `sw-a` / `swp1`. */
  switch: string;
  port: string;
}

export interface ServerSpec {
  name: string;
  nics: NicSpec[];
  /** extend name → initial text of the file `extend NAME /bin/cat FILE` prints. */
  extends?: Record<string, string>;
}

export interface LabSpec {
  switches: SwitchSpec[];
  links?: LinkSpec[];
  servers?: ServerSpec[];
  /** Read-only community of every snmpd. Default `public`. */
  community?: string;
  /** nsExtendCacheTime of every extend: -1 (default) re-runs on every request; 0 is ignored. */
  extendCacheSeconds?: number;
  /**
   * IF-MIB ifTable cache of every snmpd (Net-SNMP's default: 3 s, so ifOperStatus lags a cut by up
   * to 3 s). Set at start through NET-SNMP-AGENT-MIB nsCacheTimeout with a private write community
   * limited to the root side of the management link and to nsCacheTable. Default: left alone.
   */
  ifTableCacheSeconds?: number;
  /** Bound of each start-up wait (snmpd, subagent). Default 10 s. */
  agentTimeoutMs?: number;
  /** Bound of the STP convergence wait at start-up. Default 20 s. */
  stpTimeoutMs?: number;
}

export type StpPortState = 'disabled' | 'blocking' | 'listening' | 'learning' | 'forwarding';

export interface SwitchStp {
  /** e.g. `1000.8ef8136b8716` (priority, then the MAC, in hex), as sysfs prints it. */
  bridgeId: string;
  rootId: string;
  /** bridge port name → kernel STP state. */
  ports: Record<string, StpPortState>;
}

/** switch name → its bridge's STP view. */
export type StpView = Record<string, SwitchStp>;

export interface LabTimings {
  /** Namespaces, bridges and cables. */
  networkMs: number;
  /** Every snmpd answering and every subagent registered. */
  agentsMs: number;
  /** The rest of the wait for STP convergence (kernel, then the SNMP view). */
  stpMs: number;
  totalMs: number;
}

export interface Lab {
  /** Prefix of every namespace of this run, e.g. `nw123-`. */
  readonly prefix: string;
  /** The run folder (configs, logs, extend files). */
  readonly dir: string;
  readonly community: string;
  readonly timings: LabTimings;
  /** The namespace of a device. */
  namespace(device: string): string;
  /** Management address of a switch's snmpd (udp/161). */
  switchAddress(name: string): string;
  /** Management address of a server's snmpd (udp/161). */
  serverAddress(name: string): string;
  /** Kernel ifIndex (= IF-MIB ifIndex) of an interface in a device. */
  ifIndex(device: string, ifName: string): number;
  /** Rewrites (atomically) the file an extend of a server prints. */
  setExtend(server: string, name: string, text: string): void;
  /** `ip link set NIC down` in the server: the switch port loses carrier (oper down). */
  cutCable(server: string, nic: string): void;
  mendCable(server: string, nic: string): void;
  /**
   * Cuts the first link between two switches: the port on `switchB` goes admin down, the port on
   * `switchA` stays admin up and loses carrier.
   */
  cutLink(switchA: string, switchB: string): void;
  mendLink(switchA: string, switchB: string): void;
  /** Stops a device's snmpd by its PID (the agent then times out). */
  stopAgent(device: string): Promise<void>;
  /** Starts it again and waits until it answers (and, for a switch, BRIDGE-MIB is back). */
  startAgent(device: string): Promise<void>;
  /** The kernel's STP state of each port of a switch. */
  bridgePortStates(switchName: string): Record<string, StpPortState>;
  /** The kernel's STP view of every switch. */
  stpView(): StpView;
  /**
   * No port listening or learning, and every switch agrees on the root of its part of the
   * topology (links cut with `cutLink` split it).
   */
  converged(view: StpView): boolean;
  /** Polls the kernel's view until `predicate` holds (default `converged`); returns that view. */
  waitForStp(predicate?: (view: StpView) => boolean, timeoutMs?: number): Promise<StpView>;
  /** Every PID the lab started (snmpd, subagents), including those already stopped. */
  pids(): number[];
  /** Kills every started PID, deletes the namespaces and root-side links, removes the folder. */
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Capability probe

const BRIDGE_MIB = '/usr/bin/snmp-bridge-mib';

function probeNetns(): string {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const missing = ['ip', 'snmpd', 'snmpget', 'snmpset', 'snmpbulkwalk', 'perl'].filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0,
  );
  if (!existsSync(BRIDGE_MIB)) missing.push(BRIDGE_MIB);
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  if (spawnSync('perl', ['-MNetSNMP::agent', '-e', '1'], { stdio: 'ignore' }).status !== 0) {
    return 'perl module NetSNMP::agent (libsnmp-perl) missing';
  }
  const probe = `nwprobe${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (added.status !== 0) return `ip netns add fails: ${added.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  return '';
}

/** Empty when the lab can run here; otherwise why not (for `describe.skipIf`). */
export const NETNS_SKIP_REASON: string = probeNetns();

export function canUseNetns(): boolean {
  return NETNS_SKIP_REASON === '';
}

// ---------------------------------------------------------------------------------------------
// Small process helpers

const TOOL_ENV = { ...process.env, MIBS: '' };

function ip(args: string[]): string {
  const result = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) {
    throw new Error(`ip ${args.join(' ')}: ${(result.stderr || String(result.error)).trim()}`);
  }
  return result.stdout;
}

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop; never rejects. */
function run(cmd: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: TOOL_ENV, timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => resolve({ status: null, stdout, stderr: String(error) }));
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function snmpArgs(community: string, timeoutS: number): string[] {
  return ['-v2c', '-c', community, '-t', String(timeoutS), '-r', '0', '-M', '/dev/null', '-On'];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// Slots: a run's name prefix and address block, reserved with a lock file

const SLOTS = 512; // 198.18.0.0/15 = 512 blocks of 256 addresses
const MAX_DEVICES = 64; // /30s per block

interface Slot {
  slot: number;
  lockFile: string;
}

function reserveSlot(): Slot {
  const namespaces = ip(['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '');
  const links = (JSON.parse(ip(['-j', 'link', 'show'])) as Array<{ ifname: string }>).map(
    (link) => link.ifname,
  );
  const addresses = (
    JSON.parse(ip(['-j', '-4', 'addr', 'show'])) as Array<{
      addr_info?: Array<{ local?: string }>;
    }>
  ).flatMap((link) => (link.addr_info ?? []).map((info) => info.local ?? ''));
  const first = process.pid % SLOTS;
  for (let i = 0; i < SLOTS; i++) {
    const slot = (first + i) % SLOTS;
    const prefix = `nw${slot}-`;
    const blockOf = (address: string): number => {
      const int = ipToInt(address);
      return int >= BASE && int < BASE + SLOTS * 256 ? Math.floor((int - BASE) / 256) : -1;
    };
    // The demo's NETCONF switch takes its management /30s from this block, whenever it starts.
    if (slot === blockOf(DEMO_MANAGEMENT_NET)) continue;
    if (namespaces.some((name) => name.startsWith(prefix))) continue;
    if (links.some((name) => name.startsWith(`m${slot}-`))) continue;
    if (addresses.some((address) => blockOf(address) === slot)) continue;
    const lockFile = join(tmpdir(), `nicwatch-netns-slot-${slot}.lock`);
    if (takeLock(lockFile)) return { slot, lockFile };
  }
  throw new Error('no free netns lab slot (512 in use?)');
}

function takeLock(file: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch {
      // held: by a live process, or left by a dead one
      const holder = Number.parseInt(readLock(file), 10);
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) return false;
      try {
        unlinkSync(file);
      } catch {
        return false;
      }
    }
  }
  return false;
}

function readLock(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const BASE = ipToInt('198.18.0.0');

function ipToInt(address: string): number {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !(part >= 0 && part <= 255))) return -1;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

function intToIp(int: number): string {
  return [int >>> 24, (int >>> 16) & 255, (int >>> 8) & 255, int & 255].join('.');
}

// ---------------------------------------------------------------------------------------------
// Validation

const DEVICE_NAME = /^[a-z0-9][a-z0-9-]{0,9}$/i;
const IF_NAME = /^[a-z0-9][a-z0-9._-]{0,14}$/i;
const EXTEND_NAME = /^[a-z0-9_.-]{1,64}$/i;
const RESERVED_IF = new Set(['lo', 'br0', 'mgmt']);

interface Port {
  name: string;
  /** The other end: a server NIC or another switch's port. */
  kind: 'server' | 'link';
}

interface Device {
  name: string;
  kind: 'switch' | 'server';
  index: number;
  ns: string;
  rootLink: string;
  rootIp: string;
  ip: string;
  dir: string;
  priority: number;
  ports: Map<string, Port>;
  nics: Set<string>;
  extendFiles: Map<string, string>;
  snmpd?: ChildProcess;
  subagent?: ChildProcess;
}

interface Link {
  a: string;
  b: string;
  portA: string;
  portB: string;
  cut: boolean;
}

function validate(spec: LabSpec): void {
  const names = new Set<string>();
  const devices = [...spec.switches, ...(spec.servers ?? [])];
  if (devices.length > MAX_DEVICES) throw new Error(`at most ${MAX_DEVICES} devices in a lab`);
  for (const { name } of devices) {
    if (!DEVICE_NAME.test(name)) {
      throw new Error(`device name "${name}": letters, digits and -, at most 10 characters`);
    }
    if (names.has(name)) throw new Error(`device name "${name}" used twice`);
    names.add(name);
  }
  const cache = spec.extendCacheSeconds ?? -1;
  if (!Number.isInteger(cache) || cache < -1) {
    throw new Error('extendCacheSeconds: an integer ≥ -1');
  }
  const ifCache = spec.ifTableCacheSeconds;
  if (ifCache !== undefined && (!Number.isInteger(ifCache) || ifCache < 0)) {
    throw new Error('ifTableCacheSeconds: an integer ≥ 0');
  }
  for (const { name, trapSink } of spec.switches) {
    if (!trapSink) continue;
    const { host, port, community } = trapSink;
    if (host !== undefined && ipToInt(host) < 0) throw new Error(`trapSink of ${name}: IPv4 host`);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`trapSink of ${name}: port 1..65535`);
    }
    if (community !== undefined && !/^[\x21-\x7e]+$/.test(community)) {
      throw new Error(`trapSink of ${name}: community without spaces`);
    }
  }
}

function checkIfName(device: string, name: string): void {
  if (!IF_NAME.test(name) || RESERVED_IF.has(name)) {
    throw new Error(`interface name "${name}" on ${device}: ≤ 15 characters, not lo/br0/mgmt`);
  }
}

// ---------------------------------------------------------------------------------------------
// The lab

const OID_SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
const OID_STP_PORT_STATE = '1.3.6.1.2.1.17.2.15.1.3';
const OID_BASE_NUM_PORTS = '1.3.6.1.2.1.17.1.2.0';
const OID_NS_CACHE_TABLE = '1.3.6.1.4.1.8072.1.5.3';
const OID_NS_CACHE_TIMEOUT = '1.3.6.1.4.1.8072.1.5.3.1.2';
const OID_IF_TABLE = '1.3.6.1.2.1.2.2';

export async function startLab(spec: LabSpec): Promise<Lab> {
  validate(spec);
  const started = Date.now();
  const community = spec.community ?? 'public';
  const agentTimeoutMs = spec.agentTimeoutMs ?? 10_000;
  const cacheTime = spec.extendCacheSeconds ?? -1;
  const writeCommunity = `nwlab${randomBytes(8).toString('hex')}`;
  const iqueryPassword = randomBytes(12).toString('hex');
  const { slot, lockFile } = reserveSlot();
  const prefix = `nw${slot}-`;
  const dir = mkdtempSync(join(tmpdir(), `nicwatch-lab-${slot}-`));

  const devices = new Map<string, Device>();
  const links: Link[] = [];
  const startedPids = new Set<number>();
  const createdNamespaces: string[] = [];
  const createdRootLinks: string[] = [];
  let stopped = false;

  // ---- cleanup (async in stop(), sync on process exit)
  const children = (): ChildProcess[] =>
    [...devices.values()].flatMap((device) =>
      [device.snmpd, device.subagent].filter((child): child is ChildProcess => !!child),
    );
  const removeNetwork = (): void => {
    for (const ns of createdNamespaces) {
      const left = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout?.trim();
      if (left) console.warn(`netns-lab: processes not started by the lab left in ${ns}: ${left}`);
      spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    }
    for (const link of createdRootLinks) {
      // gone with its peer's namespace already, normally
      if (existsSync(`/sys/class/net/${link}`)) {
        spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
      }
    }
    rmSync(dir, { recursive: true, force: true });
    if (readLock(lockFile) === String(process.pid)) rmSync(lockFile, { force: true });
  };
  const onExit = (): void => {
    if (stopped) return;
    stopped = true;
    for (const pid of startedPids) {
      if (alive(pid)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    removeNetwork();
  };
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    await Promise.all(children().map((child) => stopChild(child)));
    removeNetwork();
  };

  const device = (name: string, kind?: Device['kind']): Device => {
    const found = devices.get(name);
    if (!found || (kind && found.kind !== kind)) {
      throw new Error(`no ${kind ?? 'device'} named "${name}" in the lab`);
    }
    return found;
  };

  const addDevice = (name: string, kind: Device['kind'], priority: number): Device => {
    const index = devices.size;
    const net = BASE + slot * 256 + index * 4;
    const created: Device = {
      name,
      kind,
      index,
      ns: `${prefix}${name}`,
      rootLink: `m${slot}-${name}`,
      rootIp: intToIp(net + 1),
      ip: intToIp(net + 2),
      dir: join(dir, name),
      priority,
      ports: new Map(),
      nics: new Set(),
      extendFiles: new Map(),
    };
    devices.set(name, created);
    return created;
  };

  const addPort = (sw: Device, name: string, kind: Port['kind']): void => {
    checkIfName(sw.name, name);
    if (sw.ports.has(name)) throw new Error(`port ${sw.name} ${name} used twice`);
    sw.ports.set(name, { name, kind });
  };

  try {
    // ---- model
    for (const sw of spec.switches) addDevice(sw.name, 'switch', sw.priority ?? 32768);
    for (const srv of spec.servers ?? []) addDevice(srv.name, 'server', 0);
    for (const link of spec.links ?? []) {
      const a = device(link.a, 'switch');
      const b = device(link.b, 'switch');
      if (a === b) throw new Error(`link from ${a.name} to itself`);
      const portA = link.portA ?? `to-${b.name}`;
      const portB = link.portB ?? `to-${a.name}`;
      addPort(a, portA, 'link');
      addPort(b, portB, 'link');
      links.push({ a: a.name, b: b.name, portA, portB, cut: false });
    }
    for (const srv of spec.servers ?? []) {
      const server = device(srv.name);
      for (const nic of srv.nics) {
        checkIfName(srv.name, nic.name);
        if (server.nics.has(nic.name)) throw new Error(`NIC ${srv.name} ${nic.name} used twice`);
        server.nics.add(nic.name);
        addPort(device(nic.switch, 'switch'), nic.port, 'server');
      }
    }

    // ---- network
    for (const dev of devices.values()) {
      mkdirSync(join(dev.dir, 'state'), { recursive: true });
      ip(['netns', 'add', dev.ns]);
      createdNamespaces.push(dev.ns);
      ip(['link', 'add', dev.rootLink, 'type', 'veth', 'peer', 'name', 'mgmt', 'netns', dev.ns]);
      createdRootLinks.push(dev.rootLink);
      ip(['addr', 'add', `${dev.rootIp}/30`, 'dev', dev.rootLink]);
      ip(['link', 'set', dev.rootLink, 'up']);
      ip(['-n', dev.ns, 'addr', 'add', `${dev.ip}/30`, 'dev', 'mgmt']);
      ip(['-n', dev.ns, 'link', 'set', 'mgmt', 'up']);
      ip(['-n', dev.ns, 'link', 'set', 'lo', 'up']);
      if (dev.kind === 'switch') {
        // the shortest timers the kernel accepts (centiseconds)
        ip([
          '-n',
          dev.ns,
          'link',
          'add',
          'br0',
          'type',
          'bridge',
          'stp_state',
          '1',
          'forward_delay',
          '200',
          'hello_time',
          '100',
          'max_age',
          '600',
          'priority',
          String(dev.priority),
        ]);
        ip(['-n', dev.ns, 'link', 'set', 'br0', 'up']);
      }
    }
    const cable = (nsA: string, nameA: string, nsB: string, nameB: string): void => {
      ip(['link', 'add', nameA, 'netns', nsA, 'type', 'veth', 'peer', 'name', nameB, 'netns', nsB]);
    };
    const enslave = (sw: Device, port: string): void => {
      ip(['-n', sw.ns, 'link', 'set', port, 'master', 'br0']);
      ip(['-n', sw.ns, 'link', 'set', port, 'up']);
    };
    for (const link of links) {
      const a = device(link.a);
      const b = device(link.b);
      cable(a.ns, link.portA, b.ns, link.portB);
      enslave(a, link.portA);
      enslave(b, link.portB);
    }
    for (const srv of spec.servers ?? []) {
      const server = device(srv.name);
      for (const nic of srv.nics) {
        const sw = device(nic.switch);
        cable(sw.ns, nic.port, server.ns, nic.name);
        enslave(sw, nic.port);
        ip(['-n', server.ns, 'link', 'set', nic.name, 'up']);
      }
    }
    const networkMs = Date.now() - started;

    // ---- agents
    const bridgeMibScript = join(dir, 'bridge-mib.pl');
    const original = readFileSync(BRIDGE_MIB, 'utf8');
    const patched = original.replace(/^\$cache_timout=60;$/m, '$cache_timout=1;');
    if (patched === original)
      throw new Error(`${BRIDGE_MIB}: no "$cache_timout=60;" line to lower`);
    writeFileSync(bridgeMibScript, patched);

    for (const dev of devices.values()) {
      const conf = [`agentaddress udp:${dev.ip}:161`, `rocommunity ${community}`];
      if (spec.ifTableCacheSeconds !== undefined) {
        conf.push(`rwcommunity ${writeCommunity} ${dev.rootIp} ${OID_NS_CACHE_TABLE}`);
      }
      if (dev.kind === 'switch') {
        const socket = join(dev.dir, 'agentx.sock');
        conf.push('master agentx', `agentXSocket ${socket}`);
        mkdirSync(join(dev.dir, 'subagent-state'));
        // the subagent reads <Name>.conf from SNMPCONFPATH; a ping interval makes it reconnect
        // when snmpd restarts (without it, it stays disconnected)
        writeFileSync(
          join(dev.dir, 'dot1qbridge.conf'),
          `agentXSocket ${socket}\nagentXPingInterval 1\n`,
        );
        const sink = spec.switches.find((sw) => sw.name === dev.name)?.trapSink;
        if (sink) conf.push(...linkTrapConf(sink, dev.rootIp, community, iqueryPassword));
      }
      const server = spec.servers?.find((srv) => srv.name === dev.name);
      for (const [name, text] of Object.entries(server?.extends ?? {})) {
        if (!EXTEND_NAME.test(name)) throw new Error(`extend name "${name}"`);
        const file = join(dev.dir, `${name}.txt`);
        writeFileSync(file, text);
        dev.extendFiles.set(name, file);
        conf.push(`extend -cacheTime ${cacheTime} ${name} /bin/cat ${file}`);
      }
      writeFileSync(join(dev.dir, 'snmpd.conf'), `${conf.join('\n')}\n`);
    }

    const spawnIn = (
      dev: Device,
      log: string,
      command: string[],
      env: NodeJS.ProcessEnv,
    ): ChildProcess => {
      const fd = openSync(join(dev.dir, log), 'a');
      try {
        // `ip netns exec` execs the command itself: the PID is the daemon's
        const child = spawn('ip', ['netns', 'exec', dev.ns, ...command], {
          stdio: ['ignore', fd, fd],
          env: { ...process.env, MIBS: '', ...env },
        });
        if (child.pid === undefined) throw new Error(`cannot start ${command[0]} in ${dev.ns}`);
        startedPids.add(child.pid);
        child.on('error', () => undefined);
        return child;
      } finally {
        closeSync(fd);
      }
    };

    const startSnmpd = (dev: Device): void => {
      const state = join(dev.dir, 'state');
      dev.snmpd = spawnIn(
        dev,
        'snmpd.out',
        [
          'snmpd',
          '-f',
          '-C',
          '-c',
          join(dev.dir, 'snmpd.conf'),
          '-Lf',
          join(dev.dir, 'snmpd.log'),
          `--persistentDir=${state}`,
        ],
        { SNMP_PERSISTENT_DIR: state },
      );
    };
    const startSubagent = (dev: Device): void => {
      dev.subagent = spawnIn(dev, 'subagent.log', ['perl', bridgeMibScript, 'br0'], {
        SNMPCONFPATH: dev.dir,
        SNMP_PERSISTENT_DIR: join(dev.dir, 'subagent-state'),
      });
    };

    const exitedError = (dev: Device, child: ChildProcess | undefined, what: string, log: string) =>
      new Error(
        `${what} of ${dev.name} exited (status ${child?.exitCode}, signal ${child?.signalCode}):\n` +
          tail(join(dev.dir, log)),
      );
    const snmpdAnswers = async (dev: Device): Promise<boolean> => {
      const child = dev.snmpd;
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        throw exitedError(dev, child, 'snmpd', 'snmpd.log');
      }
      const probe = await run(
        'snmpget',
        [...snmpArgs(community, 0.3), dev.ip, OID_SYS_UPTIME],
        3000,
      );
      return probe.status === 0;
    };
    const bridgeMibAnswers = async (dev: Device): Promise<boolean> => {
      const child = dev.subagent;
      if (!child || child.exitCode !== null || child.signalCode !== null) {
        throw exitedError(dev, child, 'snmp-bridge-mib', 'subagent.log');
      }
      if (dev.ports.size === 0) {
        const probe = await run(
          'snmpget',
          [...snmpArgs(community, 0.5), dev.ip, OID_BASE_NUM_PORTS],
          3000,
        );
        return probe.status === 0 && !/No Such/i.test(probe.stdout);
      }
      return (await stpStatesOverSnmp(dev)).length > 0;
    };
    const stpStatesOverSnmp = async (dev: Device): Promise<number[]> => {
      const walk = await run(
        'snmpbulkwalk',
        [...snmpArgs(community, 0.5), dev.ip, OID_STP_PORT_STATE],
        5000,
      );
      if (walk.status !== 0) return [];
      return walk.stdout
        .split('\n')
        .filter((line) => line.startsWith(`.${OID_STP_PORT_STATE}.`))
        .map((line) => Number(/INTEGER: (\d+)/.exec(line)?.[1]));
    };
    const waitSnmpd = async (dev: Device): Promise<void> => {
      await waitFor(
        `snmpd of ${dev.name} at ${dev.ip}:161`,
        () => snmpdAnswers(dev),
        agentTimeoutMs,
      );
      if (spec.ifTableCacheSeconds === undefined) return;
      const set = await run(
        'snmpset',
        [
          ...snmpArgs(writeCommunity, 1),
          dev.ip,
          `${OID_NS_CACHE_TIMEOUT}.${OID_IF_TABLE}`,
          'i',
          String(spec.ifTableCacheSeconds),
        ],
        5000,
      );
      if (set.status !== 0) {
        throw new Error(`setting the ifTable cache of ${dev.name}: ${set.stderr.trim()}`);
      }
    };
    const waitSubagent = (dev: Device): Promise<void> =>
      waitFor(
        `snmp-bridge-mib of ${dev.name} (dot1dStpPortState rows)`,
        () => bridgeMibAnswers(dev),
        agentTimeoutMs,
      );

    const switches = [...devices.values()].filter((dev) => dev.kind === 'switch');
    const servers = [...devices.values()].filter((dev) => dev.kind === 'server');
    for (const dev of devices.values()) startSnmpd(dev);
    await Promise.all([
      ...servers.map(waitSnmpd),
      ...switches.map(async (sw) => {
        await waitSnmpd(sw);
        startSubagent(sw);
        await waitSubagent(sw);
      }),
    ]);
    const agentsMs = Date.now() - started - networkMs;

    // ---- the lab object
    const portOwner = (server: string, nic: string): Device => {
      const dev = device(server, 'server');
      if (!dev.nics.has(nic)) throw new Error(`no NIC ${nic} on ${server}`);
      return dev;
    };
    const findLink = (a: string, b: string): { link: Link; ns: string; port: string } => {
      device(a, 'switch');
      device(b, 'switch');
      const link = links.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
      if (!link) throw new Error(`no link between ${a} and ${b}`);
      return { link, ns: device(b).ns, port: link.a === b ? link.portA : link.portB };
    };
    const bridgePortStates = (switchName: string): Record<string, StpPortState> =>
      readStp(device(switchName, 'switch').ns).ports;
    const stpView = (): StpView =>
      Object.fromEntries(switches.map((sw) => [sw.name, readStp(sw.ns)]));
    const converged = (view: StpView): boolean => {
      const states = Object.values(view).flatMap((sw) => Object.values(sw.ports));
      if (states.some((state) => state === 'listening' || state === 'learning')) return false;
      // the root each switch reports is the lowest bridge ID of its connected part
      for (const group of components(
        switches.map((sw) => sw.name),
        links.filter((link) => !link.cut),
      )) {
        const ids = group.map((name) => view[name]?.bridgeId ?? '');
        const root = ids.reduce((low, id) => (id < low ? id : low));
        if (group.some((name) => view[name]?.rootId !== root)) return false;
      }
      return true;
    };
    const waitForStp = async (
      predicate: (view: StpView) => boolean = converged,
      timeoutMs = 15_000,
    ): Promise<StpView> => {
      let last: StpView = {};
      try {
        await waitFor('STP condition', () => predicate((last = stpView())), timeoutMs);
      } catch (error) {
        throw new Error(`${(error as Error).message}; last view: ${JSON.stringify(last)}`);
      }
      return last;
    };

    const stpStart = Date.now();
    await waitForStp(converged, spec.stpTimeoutMs ?? 20_000);
    // the subagent caches for 1 s: wait until SNMP shows the settled states too
    await waitFor(
      'BRIDGE-MIB view without listening/learning ports',
      async () =>
        (await Promise.all(switches.map(stpStatesOverSnmp))).every(
          (states, i) =>
            states.length === switches[i]!.ports.size &&
            states.every((state) => state !== 3 && state !== 4),
        ),
      5000,
    );
    const stpMs = Date.now() - stpStart;

    const lab: Lab = {
      prefix,
      dir,
      community,
      timings: { networkMs, agentsMs, stpMs, totalMs: Date.now() - started },
      namespace: (name) => device(name).ns,
      switchAddress: (name) => device(name, 'switch').ip,
      serverAddress: (name) => device(name, 'server').ip,
      ifIndex: (name, ifName) => {
        const [link] = JSON.parse(
          ip(['-n', device(name).ns, '-j', 'link', 'show', 'dev', ifName]),
        ) as Array<{ ifindex: number }>;
        if (!link) throw new Error(`no interface ${ifName} on ${name}`);
        return link.ifindex;
      },
      setExtend: (server, name, text) => {
        const file = device(server, 'server').extendFiles.get(name);
        if (!file) throw new Error(`no extend ${name} on ${server} (declare it in the spec)`);
        // atomic: the extend never prints half a file
        writeFileSync(`${file}.new`, text);
        renameSync(`${file}.new`, file);
      },
      cutCable: (server, nic) => {
        ip(['-n', portOwner(server, nic).ns, 'link', 'set', nic, 'down']);
      },
      mendCable: (server, nic) => {
        ip(['-n', portOwner(server, nic).ns, 'link', 'set', nic, 'up']);
      },
      cutLink: (a, b) => {
        const { link, ns, port } = findLink(a, b);
        ip(['-n', ns, 'link', 'set', port, 'down']);
        link.cut = true;
      },
      mendLink: (a, b) => {
        const { link, ns, port } = findLink(a, b);
        ip(['-n', ns, 'link', 'set', port, 'up']);
        link.cut = false;
      },
      stopAgent: async (name) => {
        const dev = device(name);
        if (dev.snmpd) await stopChild(dev.snmpd);
      },
      startAgent: async (name) => {
        const dev = device(name);
        if (stopped) throw new Error('the lab is stopped');
        if (dev.snmpd && dev.snmpd.exitCode === null && dev.snmpd.signalCode === null) return;
        startSnmpd(dev);
        await waitSnmpd(dev);
        if (dev.kind === 'switch') {
          if (!dev.subagent || dev.subagent.exitCode !== null || dev.subagent.signalCode !== null) {
            startSubagent(dev);
          }
          await waitSubagent(dev); // it reconnects within agentXPingInterval (1 s)
        }
      },
      bridgePortStates,
      stpView,
      converged,
      waitForStp,
      pids: () => [...startedPids],
      stop,
    };
    return lab;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * `linkUpDownNotifications yes` spelled out with a 1 s sampling instead of 60 s, in numeric OIDs
 * (snmpd loads no MIB files here). The monitors read ifTable through an internal SNMPv3 query as
 * `iquerySecName`, which needs a user with read access.
 */
function linkTrapConf(
  sink: TrapSinkSpec,
  rootIp: string,
  community: string,
  iqueryPassword: string,
): string[] {
  const linkDown = '.1.3.6.1.6.3.1.1.5.3';
  const linkUp = '.1.3.6.1.6.3.1.1.5.4';
  const ifIndex = '.1.3.6.1.2.1.2.2.1.1';
  const ifAdminStatus = '.1.3.6.1.2.1.2.2.1.7';
  const ifOperStatus = '.1.3.6.1.2.1.2.2.1.8';
  const payload = `${ifIndex} ${ifAdminStatus} ${ifOperStatus}`;
  return [
    `createUser nwlabiquery SHA ${iqueryPassword}`,
    'rouser nwlabiquery',
    'iquerySecName nwlabiquery',
    `notificationEvent nwlabLinkUp ${linkUp} ${payload}`,
    `notificationEvent nwlabLinkDown ${linkDown} ${payload}`,
    `monitor -r 1 -e nwlabLinkUp "nwlab linkUp" ${ifOperStatus} != 2`,
    `monitor -r 1 -e nwlabLinkDown "nwlab linkDown" ${ifOperStatus} == 2`,
    `trap2sink ${sink.host ?? rootIp}:${sink.port} ${sink.community ?? community}`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Kernel STP view

const STP_STATES: StpPortState[] = ['disabled', 'listening', 'learning', 'forwarding', 'blocking'];

/**
 * Read from sysfs inside the namespace: `ip -d -j link show br0` prints the bridge's own ID as
 * root_id (iproute2 6.1), so the root a bridge has elected is only right in sysfs.
 */
const READ_STP =
  'cd /sys/class/net/br0 && cat bridge/bridge_id bridge/root_id && ' +
  'for p in brif/*; do [ -e "$p/state" ] && echo "${p#brif/} $(cat "$p/state")"; done';

function readStp(ns: string): SwitchStp {
  const result = spawnSync('ip', ['netns', 'exec', ns, 'sh', '-c', READ_STP], {
    encoding: 'utf8',
    timeout: 5000,
  });
  if (result.status !== 0) {
    throw new Error(
      `reading STP state in ${ns}: ${(result.stderr || String(result.error)).trim()}`,
    );
  }
  const [bridgeId = '', rootId = '', ...lines] = result.stdout.trim().split('\n');
  const ports: Record<string, StpPortState> = {};
  for (const line of lines) {
    const [port = '', state = ''] = line.split(' ');
    ports[port] = STP_STATES[Number(state)] ?? 'disabled';
  }
  return { bridgeId, rootId, ports };
}

/** Connected groups of switches over the given links. */
function components(names: string[], links: Array<{ a: string; b: string }>): string[][] {
  const seen = new Set<string>();
  const groups: string[][] = [];
  for (const start of names) {
    if (seen.has(start)) continue;
    const group: string[] = [];
    const queue = [start];
    seen.add(start);
    while (queue.length > 0) {
      const name = queue.shift()!;
      group.push(name);
      for (const link of links) {
        const other = link.a === name ? link.b : link.b === name ? link.a : undefined;
        if (other !== undefined && !seen.has(other)) {
          seen.add(other);
          queue.push(other);
        }
      }
    }
    groups.push(group);
  }
  return groups;
}
