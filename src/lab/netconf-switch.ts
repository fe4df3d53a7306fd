/**
 * A lab switch that speaks NETCONF: yuma123's netconfd (ietf-interfaces) behind OpenSSH's sshd,
 * both inside a network namespace of the switch's own whose interfaces are its ports. Each port
 * is a veth pair whose far end sits in a second namespace, the servers' side of the cables; the
 * world's cables drive those far ends, so a cut drops the port's carrier in the kernel and the
 * next `<get>` reports it. nicwatch reaches sshd over a management veth from the root namespace.
 *
 * netconfd runs as root only inside its namespace: an `<edit-config>` on /interfaces runs
 * `ifconfig` on the interfaces it sees. Recipe and pitfalls: docs/architecture.md (the lab).
 */
import type { ChildProcess } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, sep } from 'node:path';
import {
  NETCONF_PORT,
  NETCONFD,
  running,
  SSHD,
  startNetconfd,
  startSshd,
  stopChild,
  SUBSYSTEM,
  writeNetconfFiles,
} from './netconf-daemons';
import {
  claimManagementLink,
  deleteLink,
  deleteNamespace,
  ip,
  ipAsync,
  ipBatch,
  killNamespaceProcesses,
  listNamespaces,
  MANAGEMENT_LINK_PREFIX,
  namespacePids,
  vethLinks,
  type ManagementLink,
} from './netns';
import { isDemoCommand, ownerRuns } from './owner';
import type { LabSwitch } from './spec';
import type { LabWorld } from './world';

/** Bound of each poll's exchange: the switch answers from the same machine. */
const NETCONF_TIMEOUT_MS = 3000;

/**
 * `nwdemo-<tag>-<switch>` and `…-nics`: the tag is the owning demo's PID (tests put a letter
 * before it), which tells a dead demo's leftovers from a live one's.
 */
const NAMESPACE_PREFIX = 'nwdemo-';
const OWNER_PID = /^nwdemo-[a-z]?(\d+)-(.+?)(?:-nics)?$/;
/** The folder a switch's files sit in, under the temporary folder. */
const FOLDER_PREFIX = 'nicwatch-demo-';

/** What the nicwatch configuration says of the switch. */
export interface NetconfSwitchDevice {
  address: string;
  netconf: { port: number; username: string; privateKeyFile: string; timeoutMs: number };
}

export interface RunningNetconfSwitch {
  name: string;
  device: NetconfSwitchDevice;
  /** The switch's namespace, where netconfd and sshd run. */
  netns: string;
  /** From the first `ip` command to sshd listening. */
  startMs: number;
  /** netconfd's and sshd's. */
  pids(): number[];
  stop(): Promise<void>;
}

export type NetconfSwitchStart = RunningNetconfSwitch | { leftOut: string };

export interface NetconfSwitchOptions {
  /** Part of the namespace names, unique among running labs. @defaultValue the process ID */
  tag?: string;
  /** @defaultValue 10000 */
  startTimeoutMs?: number;
  /** A cable change the kernel refused. */
  onError?: (err: Error) => void;
}

/** Empty when a NETCONF switch can run here; otherwise why not, in a few words. */
export function netconfSwitchProblem(): string {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'the demo does not run as root';
  const missing = [NETCONFD, SUBSYSTEM, SSHD].filter((file) => !existsSync(file));
  if (missing.length > 0) return `${missing.join(', ')} not installed`;
  if (!hasIetfInterfacesModule()) return "netconfd's ietf-interfaces module is not installed";
  const tools = ['ip', 'ssh-keygen'].filter((tool) => !onPath(tool));
  return tools.length > 0 ? `${tools.join(', ')} not on PATH` : '';
}

export async function startNetconfSwitch(
  world: LabWorld,
  sw: LabSwitch,
  options: NetconfSwitchOptions = {},
): Promise<NetconfSwitchStart> {
  const problem = netconfSwitchProblem();
  if (problem) return { leftOut: problem };
  const begin = Date.now();
  const netns = `${NAMESPACE_PREFIX}${options.tag ?? process.pid}-${sw.name}`;
  const far = `${netns}-nics`;
  let dir = '';
  const children: ChildProcess[] = [];
  let mgmt: ManagementLink | null = null;
  let unfollow = (): void => undefined;

  // Synchronous, so that it can run from a process 'exit' handler; once is enough.
  let removed = false;
  const removeAll = (): void => {
    if (removed) return;
    removed = true;
    unfollow();
    for (const child of children) if (running(child)) child.kill('SIGKILL');
    for (const ns of [netns, far]) killNamespaceProcesses(ns);
    // the link first: a namespace's veth ends go only when the kernel gets round to it
    if (mgmt) deleteLink(mgmt.link);
    for (const ns of [netns, far]) deleteNamespace(ns);
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  // However the demo ends (an exception, process.exit, a stop cut short by it), the namespaces
  // and daemons end with it: the listener stays until the removal has run.
  process.on('exit', removeAll);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    unfollow();
    await Promise.all(children.map((child) => stopChild(child)));
    removeAll();
    process.off('exit', removeAll);
  };

  try {
    dir = mkdtempSync(join(tmpdir(), `${FOLDER_PREFIX}${sw.name}-`));
    ip(['netns', 'add', netns]);
    ip(['netns', 'add', far]);
    mgmt = claimManagementLink(netns);
    ipBatch(netns, [
      'link set lo up',
      `addr add ${mgmt.address}/30 dev mgmt`,
      'link set mgmt up',
      ...sw.ports.flatMap((port) => [
        `link add ${port} type veth peer name pe-${port} netns ${far}`,
        `link set ${port} up`,
      ]),
    ]);
    ipBatch(
      far,
      sw.ports.map((port) => `link set pe-${port} ${world.portUp(sw.name, port) ? 'up' : 'down'}`),
    );
    unfollow = followCables(world, sw, far, options.onError);

    const files = writeNetconfFiles(dir, mgmt.address);
    const timeoutMs = options.startTimeoutMs ?? 10_000;
    const track = (child: ChildProcess): void => void children.push(child);
    await startNetconfd(netns, dir, files.socket, timeoutMs, track);
    await startSshd(netns, dir, mgmt.address, timeoutMs, track);
    return {
      name: sw.name,
      device: {
        address: mgmt.address,
        netconf: {
          port: NETCONF_PORT,
          username: 'root',
          privateKeyFile: files.clientKey,
          timeoutMs: NETCONF_TIMEOUT_MS,
        },
      },
      netns,
      startMs: Date.now() - begin,
      pids: () => children.map((child) => child.pid ?? 0),
      stop,
    };
  } catch (err) {
    await stop();
    // one line of the demo's: a daemon's stderr may run to several
    return {
      leftOut: String((err as Error).message)
        .replace(/\s+/g, ' ')
        .trim(),
    };
  }
}

export interface Leftovers {
  /** The dead demos' PIDs. */
  owners: number[];
  namespaces: string[];
  /** Their netconfd, sshd and whatever else still ran in them, SIGKILLed. */
  killed: number[];
}

/**
 * Removes what demos that were SIGKILLed (or lost power) left: their namespaces, the daemons
 * still running in them, their management links and their folders (found in the daemons'
 * command lines). A namespace whose owner PID runs is never touched, nor a link whose peer sits
 * in such a namespace. (Their private Redis ended with them; redis.ts removes its folder.)
 */
export function removeLeftoversOfDeadDemos(): Leftovers {
  const found: Leftovers = { owners: [], namespaces: [], killed: [] };
  if (netconfSwitchProblem() !== '') return found;
  // links first: a link made after this list has its peer's id set before namespaces are listed
  const links = vethLinks(MANAGEMENT_LINK_PREFIX);
  const namespaces = listNamespaces();
  const dead = namespaces.filter((ns) => {
    const owner = OWNER_PID.exec(ns.name);
    if (owner === null) return false;
    // a test's lab is tagged with a letter and owned by the test process, not a demo
    const tagged = !/^nwdemo-\d/.test(ns.name);
    return !ownerRuns(Number(owner[1]), tagged ? undefined : isDemoCommand);
  });
  const named = new Set(namespaces.map((ns) => ns.id).filter((id) => id !== null));
  const deadIds = new Set(dead.map((ns) => ns.id).filter((id) => id !== null));
  const folders = new Set<string>();
  for (const ns of dead) {
    const [, owner = '', switchName = ''] = OWNER_PID.exec(ns.name) ?? [];
    const pids = namespacePids(ns.name);
    for (const pid of pids) for (const folder of foldersOf(pid, switchName)) folders.add(folder);
    killNamespaceProcesses(ns.name);
    if (!found.owners.includes(Number(owner))) found.owners.push(Number(owner));
    found.namespaces.push(ns.name);
    found.killed.push(...pids);
  }
  // A link whose peer namespace is dead goes with it, or lost its name: both are orphans.
  for (const link of links) {
    const peer = link.peerNetnsId;
    if (peer !== null && (deadIds.has(peer) || !named.has(peer))) deleteLink(link.name);
  }
  for (const ns of dead) deleteNamespace(ns.name);
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  return found;
}

/** The switch folders a process's command line names (netconfd's socket, sshd's config). */
function foldersOf(pid: number, switchName: string): string[] {
  let args: string[];
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
  const base = tmpdir();
  const name = new RegExp(`^${FOLDER_PREFIX}${escapeRegExp(switchName)}-[A-Za-z0-9]{6}$`);
  const folders = args.flatMap((arg) =>
    arg
      .split(/[=@]/)
      .filter((part) => part.startsWith(`${base}${sep}`))
      .map((part) => part.slice(base.length + 1).split(sep)[0] ?? '')
      .filter((folder) => name.test(folder))
      .map((folder) => join(base, folder)),
  );
  return [...new Set(folders)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Every world change that moves one of the switch's cables sets the far end of its port down
 * or up, one `ip` at a time, in order; the port itself then loses or regains its carrier.
 */
function followCables(
  world: LabWorld,
  sw: LabSwitch,
  far: string,
  onError: (err: Error) => void = () => undefined,
): () => void {
  const applied = new Map(sw.ports.map((port) => [port, world.portUp(sw.name, port)]));
  let busy = false;
  let again = false;
  let followed = true;
  const apply = async (): Promise<void> => {
    do {
      again = false;
      for (const port of sw.ports) {
        if (!followed) return;
        const up = world.portUp(sw.name, port);
        if (applied.get(port) === up) continue;
        applied.set(port, up);
        await ipAsync(['-n', far, 'link', 'set', `pe-${port}`, up ? 'up' : 'down']).catch(onError);
      }
    } while (again);
  };
  const onChanged = (): void => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    void apply().finally(() => (busy = false));
  };
  world.on('changed', onChanged);
  return () => {
    followed = false;
    world.off('changed', onChanged);
  };
}

function hasIetfInterfacesModule(): boolean {
  try {
    return readdirSync('/usr/lib').some((arch) =>
      existsSync(join('/usr/lib', arch, 'yuma', 'libietf-interfaces.so')),
    );
  } catch {
    return false;
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((folder) => {
    try {
      accessSync(join(folder, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
