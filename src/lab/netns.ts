/**
 * The `ip` commands a NETCONF lab switch is built from: network namespaces, veth pairs, the
 * management /30 from the root namespace, and the removal of all of it. Synchronous where the
 * caller must be able to run it from a process 'exit' handler.
 */
import { execFile, spawnSync } from 'node:child_process';

export class NetnsError extends Error {}

/** Runs `ip ARGS` (with `input` on stdin for `-b -`); throws its stderr on failure. */
export function ip(args: string[], input?: string): string {
  const result = spawnSync('ip', args, { encoding: 'utf8', input, timeout: 10_000 });
  if (result.status !== 0) {
    const why = (result.stderr || String(result.error ?? `exit ${result.status}`)).trim();
    throw new NetnsError(`ip ${args.join(' ')}: ${why}`);
  }
  return result.stdout;
}

export function ipAsync(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: 10_000 }, (err, _stdout, stderr) => {
      if (err) reject(new NetnsError(`ip ${args.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

/** Runs `commands` (one `ip` command a line, without the `ip`) in namespace `netns` at once. */
export function ipBatch(netns: string, commands: string[]): void {
  if (commands.length > 0) ip(['-n', netns, '-b', '-'], `${commands.join('\n')}\n`);
}

export interface ManagementLink {
  /** The root namespace's end. */
  link: string;
  rootAddress: string;
  /** The address of the namespace's end, `mgmt`. */
  address: string;
}

/** 198.18.200.0/24 (RFC 2544 benchmarking space) holds 64 management /30s. */
export const DEMO_MANAGEMENT_NET = '198.18.200.0';
const MGMT_BASE = ipv4ToInt(DEMO_MANAGEMENT_NET);
const MGMT_SUBNETS = 64;
export const MANAGEMENT_LINK_PREFIX = 'nwdemo-m';

/**
 * A veth pair from the root namespace (`nwdemo-m<n>`) to `mgmt` in `netns`, on the first /30
 * of 198.18.200.0/24 that no interface here uses. Two demos may claim at the same moment: the
 * link name is the claim, since the kernel refuses a second link of the same name.
 */
export function claimManagementLink(netns: string): ManagementLink {
  const used = new Set(localIpv4Addresses().map(ipv4ToInt));
  for (let n = 0; n < MGMT_SUBNETS; n++) {
    const subnet = MGMT_BASE + n * 4;
    if ([0, 1, 2, 3].some((host) => used.has(subnet + host))) continue;
    const link = `${MANAGEMENT_LINK_PREFIX}${n}`;
    try {
      ip(['link', 'add', link, 'type', 'veth', 'peer', 'name', 'mgmt', 'netns', netns]);
    } catch (err) {
      if (/File exists/i.test((err as Error).message)) continue;
      throw err;
    }
    const rootAddress = intToIpv4(subnet + 1);
    try {
      ip(['addr', 'add', `${rootAddress}/30`, 'dev', link]);
      ip(['link', 'set', link, 'up']);
    } catch (err) {
      deleteLink(link);
      throw err;
    }
    return { link, rootAddress, address: intToIpv4(subnet + 2) };
  }
  throw new NetnsError('every management /30 of 198.18.200.0/24 is in use');
}

/** The PIDs of the processes running in `netns`; none when it is gone. */
export function namespacePids(netns: string): number[] {
  const listed = spawnSync('ip', ['netns', 'pids', netns], { encoding: 'utf8', timeout: 10_000 });
  return (listed.stdout ?? '')
    .split(/\s+/)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

/** SIGKILLs whatever still runs in `netns`: all of it was started there by its owner. */
export function killNamespaceProcesses(netns: string): void {
  for (const pid of namespacePids(netns)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

export interface NamedNamespace {
  name: string;
  /** The root namespace's id for it, set once a link has a peer there. */
  id: number | null;
}

export function listNamespaces(): NamedNamespace[] {
  const listed = spawnSync('ip', ['-j', 'netns', 'list'], { encoding: 'utf8', timeout: 10_000 });
  const text = (listed.stdout ?? '').trim();
  if (listed.status !== 0 || text === '') return [];
  return (JSON.parse(text) as Array<{ name: string; id?: number }>).map((ns) => ({
    name: ns.name,
    id: ns.id ?? null,
  }));
}

export interface VethEnd {
  name: string;
  /** The id of the namespace its peer sits in; null when the peer is in this one. */
  peerNetnsId: number | null;
}

/** The root namespace's veth ends whose name starts with `prefix`. */
export function vethLinks(prefix: string): VethEnd[] {
  const links = JSON.parse(ip(['-j', 'link', 'show', 'type', 'veth']) || '[]') as Array<{
    ifname: string;
    link_netnsid?: number;
  }>;
  return links
    .filter((link) => link.ifname.startsWith(prefix))
    .map((link) => ({ name: link.ifname, peerNetnsId: link.link_netnsid ?? null }));
}

/** Removes a namespace (its veth ends go with it, and so do their peers); quiet when absent. */
export function deleteNamespace(netns: string): void {
  spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore', timeout: 10_000 });
}

export function deleteLink(link: string): void {
  spawnSync('ip', ['link', 'del', link], { stdio: 'ignore', timeout: 10_000 });
}

function localIpv4Addresses(): string[] {
  const links = JSON.parse(ip(['-j', '-4', 'addr', 'show'])) as Array<{
    addr_info?: Array<{ local?: string }>;
  }>;
  return links.flatMap((link) => (link.addr_info ?? []).map((info) => info.local ?? ''));
}

function ipv4ToInt(address: string): number {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((part) => !(part >= 0 && part <= 255))) return -1;
  return parts.reduce((int, part) => int * 256 + part, 0);
}

function intToIpv4(int: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(int / 2 ** shift) % 256).join('.');
}
