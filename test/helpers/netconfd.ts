/**
 * A real NETCONF server for tests: yuma123's netconfd with the ietf-interfaces module, behind a
 * private OpenSSH sshd on a free loopback port, with a throw-away login user and password.
 *
 * netconfd runs inside a network namespace, so `<get>` of /interfaces-state reports that
 * namespace's interfaces and an `edit-config` can never touch the host's: the harness creates
 * one (`nc<pid>x<n>`, with a veth pair `swp1`/`swp2` and 198.18.0.1/30 on swp1), or the test
 * passes its own (e.g. a switch of test/helpers/netns-lab.ts, `lab.namespace('sw-a')`), which it
 * then owns. sshd stays in the root namespace on 127.0.0.1: the `netconf` subsystem reaches
 * netconfd through a Unix socket, which does not care about network namespaces.
 *
 * Recipe and pitfalls: /work/shared/docs/real-peers.md (NETCONF). Needs root (a login user with a
 * password, sshd's privilege separation, namespaces).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNetconf, type NetconfTarget } from '../../src/netconf/client';
import { stopChild } from './snmpd';
import { freeTcpPort, waitFor } from './wait';

const NETCONFD = '/usr/sbin/netconfd';
const SUBSYSTEM = '/usr/sbin/netconf-subsystem';
const SSHD = '/usr/sbin/sshd';
const TOOLS = ['ip', 'ssh-keygen', 'useradd', 'userdel', 'chpasswd'];

function probe(): string {
  if (process.platform !== 'linux') return 'netconfd tests need Linux';
  if (process.getuid?.() !== 0) {
    return 'netconfd tests need root (a login user with a password, sshd, a network namespace)';
  }
  const missing = [NETCONFD, SUBSYSTEM, SSHD].filter((file) => !existsSync(file));
  if (missing.length > 0) {
    return `missing ${missing.join(', ')}: apt-get install --no-install-recommends netconfd netconfd-module-ietf-interfaces openssh-server`;
  }
  if (!existsSync('/usr/lib/x86_64-linux-gnu/yuma/libietf-interfaces.so') && !hasYumaModule()) {
    return 'missing the ietf-interfaces module: apt-get install netconfd-module-ietf-interfaces';
  }
  const tools = TOOLS.filter(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0,
  );
  if (tools.length > 0) return `missing ${tools.join(', ')}`;
  return '';
}

function hasYumaModule(): boolean {
  const found = spawnSync('sh', ['-c', 'ls /usr/lib/*/yuma/libietf-interfaces.so'], {
    stdio: 'ignore',
  });
  return found.status === 0;
}

/** Empty when netconfd can run here; otherwise why not (for `describe.skipIf`). */
export const NETCONFD_SKIP_REASON: string = probe();

export interface NetconfdOptions {
  /**
   * Network namespace to run netconfd in; the caller created it and removes it. Default: a
   * namespace of the harness's own, removed by `stop()`.
   */
  netns?: string;
  /** NETCONF versions netconfd offers. Default both (it then switches to chunked framing). */
  protocols?: Array<'netconf1.0' | 'netconf1.1'>;
  /**
   * Text netconfd reads as /proc/net/dev instead of the kernel's, frozen (its counters and the
   * interfaces it lists): a way to feed it 64-bit counter values no test can send.
   */
  procNetDev?: string;
  /** Bound of each start-up wait. Default 10 s. */
  startTimeoutMs?: number;
}

export interface NetconfdTimings {
  /** Namespace, user, keys and files. */
  setupMs: number;
  /** netconfd from spawn to its socket and "Running netconfd server". */
  netconfdMs: number;
  /** sshd from spawn to "Server listening". */
  sshdMs: number;
  totalMs: number;
}

export interface Netconfd {
  /** Where sshd listens: 127.0.0.1. */
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** An unencrypted OpenSSH private key whose public half the user's authorized_keys holds. */
  readonly privateKeyFile: string;
  /** The namespace netconfd runs in (the harness's own or the one passed). */
  readonly netns: string;
  /** OpenSSH fingerprint of sshd's host key, `SHA256:…` without padding. */
  readonly hostKeySha256: string;
  readonly dir: string;
  readonly timings: NetconfdTimings;
  /** netconfd's and sshd's PIDs. */
  pids(): number[];
  /** Last lines of netconfd's and sshd's logs, for failure messages. */
  logs(): string;
  /** Stops both by PID; removes the user, the folder and the harness's own namespace. */
  stop(): Promise<void>;
}

let netnsCount = 0;

function run(cmd: string, args: string[], input?: string): string {
  const result = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 10_000 });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')}: ${(result.stderr || String(result.error)).trim()}`);
  }
  return result.stdout;
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Debian's ietf-interfaces module runs `get-interface-ipv4 IFNAME` for each interface and
 * asserts when the helper is missing: print the interface's IPv4 addresses, or nothing.
 */
const IPV4_HELPER = `#!/bin/sh
addresses=$(ip -4 -o addr show dev "$1" 2>/dev/null | while read -r _ _ _ cidr _; do
  printf '<address><ip>%s</ip><prefix-length>%s</prefix-length></address>' "\${cidr%/*}" "\${cidr#*/}"
done)
[ -n "$addresses" ] && printf '<ipv4 xmlns="urn:ietf:params:xml:ns:yang:ietf-ip">%s</ipv4>\\n' "$addresses"
exit 0
`;

/**
 * Wraps the command so that it sees `text` as /proc/net/dev: a folder holding only `dev` is
 * bound over /proc/<pid>/net (where the /proc/net link points) in the mount namespace of
 * `ip netns exec`, which is the command's own and is gone with it; the shell then execs the
 * command under the same PID.
 */
function withProcNetDev(dir: string, text: string | undefined, command: string[]): string[] {
  if (text === undefined) return command;
  const folder = join(dir, 'proc-net');
  mkdirSync(folder);
  writeFileSync(join(folder, 'dev'), text);
  const script = `mount --bind "$0" /proc/$$/net && exec "$@"`;
  return ['sh', '-c', script, folder, ...command];
}

export async function startNetconfd(options: NetconfdOptions = {}): Promise<Netconfd> {
  if (NETCONFD_SKIP_REASON) throw new Error(NETCONFD_SKIP_REASON);
  const begin = Date.now();
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'nicwatch-netconfd-'));
  const username = `nwnc${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  const ownNetns = options.netns === undefined;
  const netns = options.netns ?? `nc${process.pid}x${netnsCount++}`;
  const socket = join(dir, 'ncxserver.sock');
  const children: ChildProcess[] = [];
  let userAdded = false;
  let netnsAdded = false;
  let stopped = false;

  const removeAll = (): void => {
    if (userAdded) spawnSync('userdel', [username], { stdio: 'ignore' });
    if (netnsAdded) spawnSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  };
  const onExit = (): void => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    removeAll();
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    await Promise.all(children.map((child) => stopChild(child)));
    removeAll();
  };
  process.once('exit', onExit);

  try {
    if (ownNetns) {
      run('ip', ['netns', 'add', netns]);
      netnsAdded = true;
      run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
      run('ip', ['-n', netns, 'link', 'add', 'swp1', 'type', 'veth', 'peer', 'name', 'swp2']);
      run('ip', ['-n', netns, 'addr', 'add', '198.18.0.1/30', 'dev', 'swp1']);
      run('ip', ['-n', netns, 'link', 'set', 'swp1', 'up']);
      run('ip', ['-n', netns, 'link', 'set', 'swp2', 'up']);
    } else if (
      !run('ip', ['netns', 'list'])
        .split('\n')
        .some((l) => l.split(' ')[0] === netns)
    ) {
      throw new Error(`no network namespace "${netns}"`);
    }

    const home = join(dir, 'home');
    const bin = join(dir, 'bin');
    mkdirSync(home);
    mkdirSync(bin);
    writeFileSync(join(bin, 'get-interface-ipv4'), IPV4_HELPER, { mode: 0o755 });
    // a real shell: with nologin sshd prints "This account is currently not available."
    run('useradd', ['--no-create-home', '--home-dir', home, '--shell', '/bin/bash', username]);
    userAdded = true;
    run('chpasswd', [], `${username}:${password}\n`);
    const passwd = run('getent', ['passwd', username]).split(':');
    chownSync(home, Number(passwd[2]), Number(passwd[3]));
    // the subsystem runs as the login user and must reach netconfd's socket in here (which
    // takes root's commands, --superuser): the login user's group only, not every local user
    chownSync(dir, 0, Number(passwd[3]));
    chmodSync(dir, 0o750);

    const port = await freeTcpPort();
    const hostKey = join(dir, 'host_key');
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
    const hostKeySha256 = run('ssh-keygen', ['-l', '-f', `${hostKey}.pub`]).split(' ')[1] ?? '';
    const privateKeyFile = join(dir, 'user_key');
    run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', username, '-f', privateKeyFile]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${privateKeyFile}.pub`));
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${hostKey}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'PubkeyAuthentication yes',
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        // the folder sits in the world-writable temp folder
        'StrictModes no',
        // without PAM a wrong password fails at once, not after PAM's delay of about 3 s
        'UsePAM no',
        `AllowUsers ${username}`,
        'PrintMotd no',
        `Subsystem netconf ${SUBSYSTEM} --ncxserver-sockname=${port}@${socket}`,
        '',
      ].join('\n'),
    );
    // sshd's privilege separation folder; Debian's service unit makes it, a bare sshd does not
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const setupMs = Date.now() - begin;

    const netconfdStart = Date.now();
    const netconfdLog = join(dir, 'netconfd.log');
    const protocols = options.protocols ? [`--protocols=${options.protocols.join(' ')}`] : [];
    const netconfdArgs = [
      NETCONFD,
      '--module=ietf-interfaces',
      '--no-startup',
      `--superuser=${username}`,
      `--port=${port}`,
      `--ncxserver-sockname=${socket}`,
      ...protocols,
      `--log=${netconfdLog}`,
      '--log-level=info',
    ];
    const netconfd = spawn(
      'ip',
      ['netns', 'exec', netns, ...withProcNetDev(dir, options.procNetDev, netconfdArgs)],
      {
        // `ip netns exec` (and the shell, if any) exec netconfd: this PID is netconfd's
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: home },
      },
    );
    children.push(netconfd);
    let netconfdStderr = '';
    netconfd.stderr?.on('data', (chunk: Buffer) => (netconfdStderr += chunk.toString()));
    await waitFor(
      `netconfd in ${netns}`,
      () => {
        if (netconfd.exitCode !== null || netconfd.signalCode !== null) {
          throw new Error(
            `netconfd exited (${netconfd.exitCode ?? netconfd.signalCode}): ${netconfdStderr}\n${tail(netconfdLog)}`,
          );
        }
        return existsSync(socket) && tail(netconfdLog, 1000).includes('Running netconfd server');
      },
      timeoutMs,
    );
    const netconfdMs = Date.now() - netconfdStart;

    const sshdStart = Date.now();
    const sshdLog = join(dir, 'sshd.log');
    // -D: no daemon, so this PID is sshd's
    const sshd = spawn(SSHD, ['-D', '-f', join(dir, 'sshd_config'), '-E', sshdLog], {
      stdio: 'ignore',
    });
    children.push(sshd);
    await waitFor(
      `sshd on 127.0.0.1:${port}`,
      () => {
        if (sshd.exitCode !== null || sshd.signalCode !== null) {
          throw new Error(`sshd exited (${sshd.exitCode ?? sshd.signalCode}):\n${tail(sshdLog)}`);
        }
        return tail(sshdLog, 1000).includes(`Server listening on 127.0.0.1 port ${port}`);
      },
      timeoutMs,
    );
    const sshdMs = Date.now() - sshdStart;

    return {
      host: '127.0.0.1',
      port,
      username,
      password,
      netns,
      hostKeySha256,
      privateKeyFile,
      dir,
      timings: { setupMs, netconfdMs, sshdMs, totalMs: Date.now() - begin },
      pids: () => children.map((child) => child.pid ?? 0),
      logs: () =>
        `netconfd.log:\n${tail(netconfdLog)}\nnetconfd stderr:\n${netconfdStderr}\nsshd.log:\n${tail(sshdLog)}`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A client's target for the harness's sshd and user, with `extra` on top. */
export function loginOf(nc: Netconfd, extra: Partial<NetconfTarget> = {}): NetconfTarget {
  return { host: nc.host, port: nc.port, username: nc.username, password: nc.password, ...extra };
}

const MONITORING = 'urn:ietf:params:xml:ns:yang:ietf-netconf-monitoring';

/**
 * The NETCONF sessions netconfd lists in its ietf-netconf-monitoring state, but the one asking:
 * session id → the rpcs it has received.
 */
export async function netconfdSessions(nc: Netconfd): Promise<Map<string, number>> {
  const probe = await connectNetconf(loginOf(nc));
  try {
    const reply = await probe.get(
      `<netconf-state xmlns="${MONITORING}"><sessions/></netconf-state>`,
    );
    const sessions = new Map<string, number>();
    for (const [block] of reply.matchAll(/<session>[\s\S]*?<\/session>/g)) {
      const id = /<session-id>(\d+)<\/session-id>/.exec(block)?.[1];
      const rpcs = Number(/<in-rpcs>(\d+)<\/in-rpcs>/.exec(block)?.[1] ?? NaN);
      if (id !== undefined && id !== probe.sessionId) sessions.set(id, rpcs);
    }
    return sessions;
  } finally {
    await probe.close();
  }
}
