/**
 * A real Net-SNMP snmpd on a loopback port with its own configuration, for tests.
 * Started with -C (ignores /etc/snmp), stopped by its PID.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild as stopProcess } from '../../src/lab/netconf-daemons';
import { freeUdpPort, waitFor } from './wait';

export interface SnmpdOptions {
  /** extend name → text its command prints (written to a file the extend cats). */
  extends?: Record<string, string>;
  /** extend name → a shell command line, used as it is. */
  commands?: Record<string, string>;
  community?: string;
  /** Extra snmpd.conf lines (e.g. createUser / rouser). */
  lines?: string[];
  /** More loopback addresses to answer on, at the same port, as several devices would. */
  addresses?: string[];
}

export interface Snmpd {
  port: number;
  dir: string;
  /** Rewrites the file an extend prints (snmpd caches output for nsExtendCacheTime). */
  setExtend(name: string, text: string): void;
  stop(): Promise<void>;
}

export function haveSnmpd(): boolean {
  return (
    spawnSync('sh', ['-c', 'command -v snmpd && command -v snmpget'], { stdio: 'ignore' })
      .status === 0
  );
}

export async function startSnmpd(options: SnmpdOptions): Promise<Snmpd> {
  const dir = mkdtempSync(join(tmpdir(), 'nicwatch-snmpd-'));
  // snmpd rewrites a config file it finds in its persistent folder: keep its state apart
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir);
  const port = await freeUdpPort();
  const community = options.community ?? 'public';
  const conf = [
    `agentaddress ${['127.0.0.1', ...(options.addresses ?? [])].map((a) => `udp:${a}:${port}`).join(',')}`,
    `rocommunity ${community} 127.0.0.1`,
    ...(options.lines ?? []),
  ];
  const fileOf = (name: string): string => join(dir, `${name}.txt`);
  for (const [name, text] of Object.entries(options.extends ?? {})) {
    writeFileSync(fileOf(name), text);
    conf.push(`extend ${name} /bin/cat ${fileOf(name)}`);
  }
  for (const [name, command] of Object.entries(options.commands ?? {})) {
    conf.push(`extend ${name} ${command}`);
  }
  writeFileSync(join(dir, 'snmpd.conf'), `${conf.join('\n')}\n`);
  const child = spawn(
    'snmpd',
    [
      '-f',
      '-C',
      '-c',
      join(dir, 'snmpd.conf'),
      '-Lf',
      join(dir, 'snmpd.log'),
      '-p',
      join(dir, 'snmpd.pid'),
      // persistent state (v3 engine boots, users) stays in the test's folder
      `--persistentDir=${stateDir}`,
    ],
    { stdio: 'ignore', env: { ...process.env, MIBS: '', SNMP_PERSISTENT_DIR: stateDir } },
  );
  await waitFor(`snmpd on udp 127.0.0.1:${port}`, () => answers(port, community, child), 10_000);
  return {
    port,
    dir,
    setExtend: (name, text) => writeFileSync(fileOf(name), text),
    stop: () => stopChild(child, dir),
  };
}

function answers(port: number, community: string, child: ChildProcess): boolean {
  if (child.exitCode !== null) throw new Error(`snmpd exited with status ${child.exitCode}`);
  const probe = spawnSync(
    'snmpget',
    [
      '-v2c',
      '-c',
      community,
      '-t',
      '0.2',
      '-r',
      '0',
      '-M',
      '/dev/null',
      '-On',
      `127.0.0.1:${port}`,
      '1.3.6.1.2.1.1.3.0',
    ],
    { stdio: 'ignore', env: { ...process.env, MIBS: '' } },
  );
  return probe.status === 0;
}

/** SIGTERM (SIGKILL after 3 s), and the folder it worked in. */
export async function stopChild(child: ChildProcess, dir?: string): Promise<void> {
  await stopProcess(child);
  if (dir) rmSync(dir, { recursive: true, force: true });
}
