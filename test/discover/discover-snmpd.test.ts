/**
 * `nicwatch discover` as an operator runs it: the built program against a real snmpd whose
 * extends print fixture files. What it prints, written into a file, must pass `nicwatch validate`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT, runCli } from '../helpers/cli';
import { haveSnmpd, startSnmpd, type Snmpd } from '../helpers/snmpd';
import { freeUdpPort } from '../helpers/wait';

const fixture = (path: string): string =>
  readFileSync(join(REPO_ROOT, 'test', 'fixtures', path), 'utf8');

const EXTENDS: Record<string, string> = {
  bond0: fixture('bonding/active-backup-mii-one-down.txt'),
  team0: fixture('teamd/activebackup-both-up.json'),
  motd: 'Welcome to srv1\n',
};
const SECRETS = {
  community: 'nw-secret-community',
  authKey: 'nw-auth-secret',
  privKey: 'nw-priv-secret',
};
const LINES = [
  `rocommunity ${SECRETS.community} 127.0.0.1`,
  `createUser nwsha SHA ${SECRETS.authKey} AES ${SECRETS.privKey}`,
  'rouser nwsha priv',
];

interface Entry {
  name: string;
  role: string;
  address: string;
  snmp?: Record<string, unknown>;
  groups?: { name: string; kind: string; legs: { interface: string }[] }[];
}

describe.skipIf(!haveSnmpd())('nicwatch discover against a real snmpd', () => {
  let snmpd: Snmpd;
  let dir: string;
  const discover = (...args: string[]): string[] => [
    'discover',
    '--host',
    '127.0.0.1',
    '--port',
    String(snmpd.port),
    ...args,
  ];
  /** Writes the printed YAML as a config file and validates it with the built program. */
  const validate = async (yaml: string, env: NodeJS.ProcessEnv = {}) => {
    const file = join(dir, `suggested-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(file, yaml);
    return runCli(['validate', '-c', file], { env });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nicwatch-discover-'));
    snmpd = await startSnmpd({ extends: EXTENDS, lines: LINES });
  });
  afterAll(async () => {
    await snmpd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('suggests a server with one group per bond/team extend, and the file validates', async () => {
    const run = await runCli(discover());
    expect(run.code, `got exit ${run.code}, want 0; stderr: ${run.stderr}`).toBe(0);
    expect(run.stderr).toBe('');
    const [entry, more] = (parse(run.stdout) as { devices: Entry[] }).devices;
    expect(more, 'want exactly one devices: entry').toBeUndefined();
    expect(entry).toMatchObject({
      role: 'server',
      address: '127.0.0.1',
      snmp: { port: snmpd.port },
      groups: [
        { name: 'bond0', kind: 'linux-bond', legs: [{ interface: 'eth0' }, { interface: 'eth1' }] },
        { name: 'team0', kind: 'linux-team', legs: [{ interface: 'eth1' }, { interface: 'eth2' }] },
      ],
    });
    expect(entry?.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
    expect(run.stdout).toContain('# extend motd: not a bonding/teamd/IPMP text');
    expect(run.stdout).toContain('- { interface: eth0 } # switch: ?, port: ?');
    expect(run.stdout).toMatch(/# interfaces: .*\bup\b/);

    const check = await validate(run.stdout);
    expect(check.code, `validate: ${check.stderr}\n${run.stdout}`).toBe(0);
    expect(check.stderr).toMatch(/OK, 1 device, 2 groups\n$/);
  });

  it('names a private community by a placeholder, never the community itself', async () => {
    const run = await runCli(discover('--snmp-version', '1', '-C', SECRETS.community));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain(SECRETS.community);
    expect(run.stdout).toContain('"${NICWATCH_COMMUNITY}"');
    expect(run.stdout).toMatch(/version: 1\b/);
    const check = await validate(run.stdout, { NICWATCH_COMMUNITY: SECRETS.community });
    expect(check.code, check.stderr).toBe(0);
  });

  it('prints SNMPv3 keys as placeholders and the entry validates with them set', async () => {
    const run = await runCli(
      discover('--snmp-version', '3', '-u', 'nwsha', '-A', SECRETS.authKey, '-X', SECRETS.privKey),
    );
    expect(run.code, run.stderr).toBe(0);
    for (const secret of Object.values(SECRETS)) expect(run.stdout).not.toContain(secret);
    const [entry] = (parse(run.stdout) as { devices: Entry[] }).devices;
    expect(entry?.snmp).toEqual({
      port: snmpd.port,
      version: 3,
      user: {
        name: 'nwsha',
        level: 'authPriv',
        authProtocol: 'sha',
        authKey: '${NICWATCH_AUTH_KEY}',
        privProtocol: 'aes',
        privKey: '${NICWATCH_PRIV_KEY}',
      },
    });
    const check = await validate(run.stdout, {
      NICWATCH_AUTH_KEY: SECRETS.authKey,
      NICWATCH_PRIV_KEY: SECRETS.privKey,
    });
    expect(check.code, check.stderr).toBe(0);
  });

  it('exits 1 with the SnmpError message on a wrong SNMPv3 key', async () => {
    const run = await runCli(
      discover('--snmp-version', '3', '-u', 'nwsha', '-A', 'wrong-auth-key', '-X', SECRETS.privKey),
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^nicwatch discover: 127\.0\.0\.1:\d+ rejected SNMPv3 user: Wrong Digest.*\n$/,
    );
  });
});

describe('nicwatch discover without an agent', () => {
  it('exits 1 with the timeout message within -t when nothing listens', async () => {
    const port = await freeUdpPort();
    const run = await runCli([
      'discover',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '-t',
      '2',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^nicwatch discover: no answer from 127\.0\.0\.1:\d+ within 1\.75 s \(agent down, port closed, or wrong community\)\n$/,
    );
    // the whole process, Node start-up included, ends close to the deadline, never long after it
    expect(run.elapsedMs).toBeLessThan(2000 + 1500);
  });

  const usage: { name: string; args: string[]; stderr: RegExp }[] = [
    {
      name: 'no --host',
      args: ['discover'],
      stderr: /required option '-H, --host <address>' not specified/,
    },
    {
      name: 'bad port',
      args: ['discover', '--host', '127.0.0.1', '--port', '70000'],
      stderr: /^nicwatch discover: --port must be 1-65535, got "70000"\n$/,
    },
    {
      name: 'v3 without a user',
      args: ['discover', '--host', '127.0.0.1', '--snmp-version', '3'],
      stderr: /^nicwatch discover: --snmp-version 3 needs --user\n$/,
    },
    {
      name: 'bad timeout',
      args: ['discover', '--host', '127.0.0.1', '-t', 'soon'],
      stderr: /^nicwatch discover: -t needs a positive number of seconds, got "soon"\n$/,
    },
  ];
  it.each(usage)('usage error exits 2: $name', async ({ args, stderr }) => {
    const run = await runCli(args);
    expect(run.stderr).toMatch(stderr);
    expect(run.code, `got exit ${run.code}, want 2`).toBe(2);
  });
});
