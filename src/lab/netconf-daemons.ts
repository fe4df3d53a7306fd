/**
 * The two daemons of the demo's NETCONF switch and their files: yuma123's netconfd with the
 * ietf-interfaces module, and OpenSSH's sshd whose `netconf` subsystem reaches it through a Unix
 * socket; both started inside the switch's network namespace with `ip netns exec`, which execs
 * them, so each child's PID is the daemon's own.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const NETCONFD = '/usr/sbin/netconfd';
export const SUBSYSTEM = '/usr/sbin/netconf-subsystem';
export const SSHD = '/usr/sbin/sshd';
export const NETCONF_PORT = 830;

/**
 * Debian's ietf-interfaces module runs `get-interface-ipv4 IFNAME` for every interface and
 * aborts when the package's missing helper is not found: this one prints the interface's IPv4
 * addresses in ietf-ip's shape, or nothing.
 */
const IPV4_HELPER = `#!/bin/sh
ip -4 -o addr show dev "$1" 2>/dev/null | awk -v ns=urn:ietf:params:xml:ns:yang:ietf-ip '
  { split($4, cidr, "/")
    found = found "<address><ip>" cidr[1] "</ip><prefix-length>" cidr[2] "</prefix-length></address>" }
  END { if (found != "") print "<ipv4 xmlns=\\"" ns "\\">" found "</ipv4>" }'
exit 0
`;

export function writeNetconfFiles(
  dir: string,
  address: string,
): { socket: string; clientKey: string } {
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'home'));
  writeFileSync(join(dir, 'bin', 'get-interface-ipv4'), IPV4_HELPER, { mode: 0o755 });
  const hostKey = join(dir, 'host_key');
  const clientKey = join(dir, 'client_key');
  sshKeygen(hostKey);
  sshKeygen(clientKey);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  const socket = join(dir, 'ncxserver.sock');
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${NETCONF_PORT}`,
      `ListenAddress ${address}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      // the key files sit in a folder under the world-writable temp folder
      'StrictModes no',
      'UsePAM no',
      'AllowUsers root',
      'PrintMotd no',
      // netconfd takes sessions only from the SSH port its --port names
      `Subsystem netconf ${SUBSYSTEM} --ncxserver-sockname=${NETCONF_PORT}@${socket}`,
      '',
    ].join('\n'),
  );
  return { socket, clientKey };
}

function sshKeygen(file: string): void {
  const args = ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', file];
  const made = spawnSync('ssh-keygen', args, { encoding: 'utf8', timeout: 10_000 });
  if (made.status !== 0) {
    throw new Error(`ssh-keygen: ${(made.stderr || String(made.error)).trim()}`);
  }
}

/** `onSpawn` learns of the child before it is ready, so that a stop meanwhile ends it too. */
export async function startNetconfd(
  netns: string,
  dir: string,
  socket: string,
  timeoutMs: number,
  onSpawn: (child: ChildProcess) => void,
): Promise<ChildProcess> {
  const log = join(dir, 'netconfd.log');
  // `ip netns exec` execs netconfd: this PID is netconfd's
  const child = spawn(
    'ip',
    [
      'netns',
      'exec',
      netns,
      NETCONFD,
      '--module=ietf-interfaces',
      '--no-startup',
      `--port=${NETCONF_PORT}`,
      `--ncxserver-sockname=${socket}`,
      `--log=${log}`,
      '--log-level=info',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        PATH: `${join(dir, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
        HOME: join(dir, 'home'),
      },
    },
  );
  onSpawn(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitUntilReady(
    'netconfd',
    child,
    () => existsSync(socket) && readText(log).includes('Running netconfd server'),
    () => `${stderr.trim()} ${readText(log).split('\n').slice(-3).join(' ')}`.trim(),
    timeoutMs,
  );
  return child;
}

export async function startSshd(
  netns: string,
  dir: string,
  address: string,
  timeoutMs: number,
  onSpawn: (child: ChildProcess) => void,
): Promise<ChildProcess> {
  // sshd's privilege separation folder; Debian's service unit makes it, a bare sshd does not
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const log = join(dir, 'sshd.log');
  // -D: no daemon, so this PID (after `ip netns exec` execs it) is sshd's
  const child = spawn(
    'ip',
    ['netns', 'exec', netns, SSHD, '-D', '-f', join(dir, 'sshd_config'), '-E', log],
    { stdio: 'ignore' },
  );
  onSpawn(child);
  await waitUntilReady(
    'sshd',
    child,
    () => readText(log).includes(`Server listening on ${address} port ${NETCONF_PORT}`),
    () => readText(log).split('\n').slice(-3).join(' '),
    timeoutMs,
  );
  return child;
}

async function waitUntilReady(
  what: string,
  child: ChildProcess,
  ready: () => boolean,
  why: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!running(child)) {
      throw new Error(`${what} exited at start (${child.exitCode ?? child.signalCode}): ${why()}`);
    }
    if (ready()) return;
    if (Date.now() > deadline)
      throw new Error(`${what} not ready within ${timeoutMs} ms: ${why()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (!running(child)) return;
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
