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
import { accessSync, constants, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
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
  type ManagementLink,
} from './netns';
import type { LabSwitch } from './spec';
import type { LabWorld } from './world';

/** Bound of each poll's exchange: the switch answers from the same machine. */
const NETCONF_TIMEOUT_MS = 3000;

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
  const netns = `nwdemo-${options.tag ?? process.pid}-${sw.name}`;
  const far = `${netns}-nics`;
  let dir = '';
  const children: ChildProcess[] = [];
  let mgmt: ManagementLink | null = null;
  let unfollow = (): void => undefined;

  const removeAll = (): void => {
    unfollow();
    for (const child of children) if (running(child)) child.kill('SIGKILL');
    for (const ns of [netns, far]) killNamespaceProcesses(ns);
    // the link first: a namespace's veth ends go only when the kernel gets round to it
    if (mgmt) deleteLink(mgmt.link);
    for (const ns of [netns, far]) deleteNamespace(ns);
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  // However the demo ends (an exception, process.exit), the namespaces and daemons end with it.
  process.once('exit', removeAll);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.off('exit', removeAll);
    unfollow();
    await Promise.all(children.map((child) => stopChild(child)));
    removeAll();
  };

  try {
    dir = mkdtempSync(join(tmpdir(), `nicwatch-demo-${sw.name}-`));
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
    children.push(await startNetconfd(netns, dir, files.socket, timeoutMs));
    children.push(await startSshd(netns, dir, mgmt.address, timeoutMs));
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
