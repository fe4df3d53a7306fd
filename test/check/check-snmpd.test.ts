/**
 * `nicwatch check` as Nagios runs it: the built program as a subprocess against a real snmpd
 * whose `extend` entries print fixture files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_NICWATCH_BIN, REPO_ROOT, runCli } from '../helpers/cli';
import { haveSnmpd, startSnmpd, type Snmpd } from '../helpers/snmpd';
import { freeUdpPort } from '../helpers/wait';

const fixture = (path: string): string =>
  readFileSync(join(REPO_ROOT, 'test', 'fixtures', path), 'utf8');

const EXTENDS: Record<string, string> = {
  healthy: fixture('bonding/active-backup-mii-both-up.txt'),
  oneDown: fixture('bonding/active-backup-mii-one-down.txt'),
  allDown: fixture('bonding/active-backup-mii-all-down.txt'),
  activeDown: fixture('bonding/active-backup-active-going-down.txt'),
  noMonitoring: fixture('bonding/active-backup-no-monitoring.txt'),
  lacpZero: fixture('bonding/802.3ad-partner-zero.txt'),
  team: fixture('teamd/activebackup-both-up.json'),
  ipmpstat: fixture('ipmp/ipmpstat-i-one-failed.txt'),
  ifconfig: fixture('ipmp/ifconfig-a-sol10-ok.txt'),
  garbage: 'this is not a bonding file\n',
};

const V3_USERS = [
  'createUser nwsha SHA authpass123 AES privpass123',
  'createUser nwmd5 MD5 authpass123 DES privpass123',
  'createUser nwsha256 SHA-256 authpass123',
  'rouser nwsha priv',
  'rouser nwmd5 priv',
  'rouser nwsha256 auth',
];

describe.skipIf(!haveSnmpd())('nicwatch check against a real snmpd', () => {
  let snmpd: Snmpd;
  const snmp = (...args: string[]): string[] => [
    'check',
    '--host',
    '127.0.0.1',
    '--port',
    String(snmpd.port),
    ...args,
  ];

  beforeAll(async () => {
    snmpd = await startSnmpd({
      extends: EXTENDS,
      commands: { missingFile: '/bin/cat /nonexistent/bond9' },
      lines: V3_USERS,
    });
  });
  afterAll(async () => snmpd?.stop());

  const cases: Array<{ name: string; args: () => string[]; code: number; line: RegExp }> = [
    {
      name: 'healthy active-backup',
      args: () => snmp('-C', 'public', '--extend', 'healthy'),
      code: 0,
      line: /^NICWATCH OK - healthy \(linux-bond active-backup\): 2 of 2 legs up, active eth0 .*\| legs_up=2;2:;1:;0;2 /,
    },
    {
      name: 'one leg down',
      args: () => snmp('-C', 'public', '--extend', 'oneDown'),
      code: 1,
      line: /^NICWATCH WARNING - .*eth1 down \[leg-down\].*\| legs_up=1;/,
    },
    {
      name: 'all legs down',
      args: () => snmp('--extend', 'allDown'),
      code: 2,
      line: /^NICWATCH CRITICAL - .*\[no-legs-up\].*\| legs_up=0;2:;1:;0;2/,
    },
    {
      name: 'active leg down',
      args: () => snmp('--extend', 'activeDown'),
      code: 2,
      line: /^NICWATCH CRITICAL - .*active leg eth0 is going down while eth1 is up.*\[active-leg-down\]/,
    },
    {
      name: 'no link monitoring',
      args: () => snmp('--extend', 'noMonitoring'),
      code: 1,
      line: /^NICWATCH WARNING - .*\[no-link-monitoring\]/,
    },
    {
      name: 'LACP not negotiated',
      args: () => snmp('--extend', 'lacpZero'),
      code: 1,
      line: /^NICWATCH WARNING - .*\(linux-bond 802\.3ad\).*\[lacp-not-negotiated\]/,
    },
    {
      name: 'teamd group',
      args: () => snmp('--extend', 'team', '--kind', 'linux-team'),
      code: 0,
      line: /^NICWATCH OK - .*\(linux-team activebackup\).*legs_up=2;/,
    },
    {
      name: 'IPMP from ipmpstat',
      args: () => snmp('--extend', 'ipmpstat'),
      code: 1,
      line: /^NICWATCH WARNING - .*\(ipmp ipmp\).*\[leg-down\]/,
    },
    {
      name: 'IPMP from Solaris ifconfig -a',
      args: () => snmp('--extend', 'ifconfig', '--kind', 'ipmp'),
      code: 0,
      line: /^NICWATCH OK - .*\(ipmp ipmp\)/,
    },
    {
      name: 'primary leg not active',
      args: () => snmp('--extend', 'healthy', '--primary', 'eth1'),
      code: 1,
      line: /primary eth1 is up but eth0 is active \[non-primary-active\]/,
    },
    {
      name: 'thresholds: -w 1 accepts one leg',
      args: () => snmp('--extend', 'oneDown', '-w', '1'),
      code: 0,
      line: /^NICWATCH OK - .*legs_up=1;1:;1:;0;2/,
    },
    {
      name: 'thresholds: -c 2 makes one leg critical',
      args: () => snmp('--extend', 'oneDown', '-c', '2'),
      code: 2,
      line: /^NICWATCH CRITICAL - .*\[leg-down\]/,
    },
    {
      name: 'unknown extend',
      args: () => snmp('--extend', 'bond7'),
      code: 3,
      line: /^NICWATCH UNKNOWN - 127\.0\.0\.1:\d+ has no extend "bond7" \(add "extend bond7 \.\.\." to its snmpd\.conf, in a view that includes NET-SNMP-EXTEND-MIB\)$/,
    },
    {
      name: 'extend command fails',
      args: () => snmp('--extend', 'missingFile'),
      code: 3,
      line: /^NICWATCH UNKNOWN - extend missingFile on .* exited 1: \/bin\/cat: \/nonexistent\/bond9: No such file or directory/,
    },
    {
      name: 'undecodable output',
      args: () => snmp('--extend', 'garbage'),
      code: 3,
      line: /^NICWATCH UNKNOWN - cannot decode extend garbage .*not recognised/,
    },
    {
      name: 'wrong community',
      args: () => snmp('-C', 'private', '--extend', 'healthy', '-t', '2'),
      code: 3,
      line: /^NICWATCH UNKNOWN - no answer from 127\.0\.0\.1:\d+ within .* s \(agent down, port closed, or wrong community\)/,
    },
    {
      name: 'SNMPv1',
      args: () => snmp('--snmp-version', '1', '--extend', 'healthy'),
      code: 0,
      line: /^NICWATCH OK - /,
    },
    {
      name: 'SNMPv3 authPriv SHA/AES',
      args: () =>
        snmp(
          '--snmp-version',
          '3',
          '-u',
          'nwsha',
          '-a',
          'sha',
          '-A',
          'authpass123',
          '-x',
          'aes',
          '-X',
          'privpass123',
          '--extend',
          'oneDown',
        ),
      code: 1,
      line: /^NICWATCH WARNING - .*legs_up=1;/,
    },
    {
      name: 'SNMPv3 authPriv MD5/DES',
      args: () =>
        snmp(
          '--snmp-version',
          '3',
          '-u',
          'nwmd5',
          '-a',
          'md5',
          '-A',
          'authpass123',
          '-x',
          'des',
          '-X',
          'privpass123',
          '--extend',
          'healthy',
        ),
      code: 0,
      line: /^NICWATCH OK - /,
    },
    {
      name: 'SNMPv3 authNoPriv SHA-256',
      args: () =>
        snmp(
          '--snmp-version',
          '3',
          '-u',
          'nwsha256',
          '-a',
          'sha256',
          '-A',
          'authpass123',
          '--extend',
          'healthy',
        ),
      code: 0,
      line: /^NICWATCH OK - /,
    },
    {
      name: 'SNMPv3 wrong auth key',
      args: () =>
        snmp(
          '--snmp-version',
          '3',
          '-u',
          'nwsha',
          '-A',
          'wrongpass123',
          '-X',
          'privpass123',
          '--extend',
          'healthy',
        ),
      code: 3,
      line: /^NICWATCH UNKNOWN - 127\.0\.0\.1:\d+ rejected SNMPv3 user: Wrong Digest/,
    },
    {
      name: 'SNMPv3 unknown user',
      args: () => snmp('--snmp-version', '3', '-u', 'nobody', '--extend', 'healthy'),
      code: 3,
      line: /^NICWATCH UNKNOWN - .*rejected SNMPv3 user: Unknown User Name/,
    },
  ];

  it.each(cases)('$name', async ({ args, code, line }) => {
    const run = await runCli(args());
    expect(run.stdout.split('\n')[0], `stderr: ${run.stderr}`).toMatch(line);
    expect(run.code, `got exit ${run.code}, want ${code}: ${run.stdout}`).toBe(code);
  });

  it('prints one detail line per leg after the status line', async () => {
    const run = await runCli(snmp('--extend', 'oneDown'));
    const lines = run.stdout.trim().split('\n');
    expect(lines.slice(1, 3)).toEqual([
      'eth0: up, active, 10000 Mbps full, 0 link failures',
      'eth1: down, 3 link failures',
    ]);
  });

  it('gives the same line for --file on the same text', async () => {
    const overSnmp = await runCli(snmp('--extend', 'oneDown'));
    const fromFile = await runCli([
      'check',
      '--file',
      join(REPO_ROOT, 'test/fixtures/bonding/active-backup-mii-one-down.txt'),
    ]);
    const fromStdin = await runCli(['check', '--file', '-'], { stdin: EXTENDS.oneDown });
    const strip = (out: string): string =>
      (out.split('\n')[0] ?? '').replace(/^(NICWATCH \w+ - )\S+/, '$1<name>');
    expect(strip(fromFile.stdout)).toBe(strip(overSnmp.stdout));
    expect(strip(fromStdin.stdout)).toBe(strip(overSnmp.stdout));
    expect(fromFile.code).toBe(1);
  });

  it('check_nicwatch is the same plugin', async () => {
    const run = await runCli(
      ['--host', '127.0.0.1', '--port', String(snmpd.port), '--extend', 'healthy'],
      {
        bin: CHECK_NICWATCH_BIN,
      },
    );
    expect(run.stdout).toMatch(/^NICWATCH OK - healthy/);
    expect(run.code).toBe(0);
  });
});

describe('nicwatch check without an agent', () => {
  it('is UNKNOWN within -t when nothing listens on the port', async () => {
    const port = await freeUdpPort();
    const run = await runCli([
      'check',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--extend',
      'bond0',
      '-t',
      '2',
    ]);
    expect(run.stdout).toMatch(/^NICWATCH UNKNOWN - no answer from 127\.0\.0\.1:\d+ within/);
    expect(run.code).toBe(3);
    // the whole process, Node start-up included, ends close to the deadline, never long after it
    expect(run.elapsedMs).toBeLessThan(2000 + 1500);
  });

  const usage: Array<{ name: string; args: string[]; line: RegExp }> = [
    {
      name: 'no source',
      args: ['check'],
      line: /^NICWATCH UNKNOWN - usage: give exactly one of --host, --file or --url$/,
    },
    {
      name: '--host without --extend',
      args: ['check', '--host', '127.0.0.1'],
      line: /^NICWATCH UNKNOWN - usage: --host needs --extend NAME$/,
    },
    {
      name: 'unknown option',
      args: ['check', '--frobnicate'],
      line: /^NICWATCH UNKNOWN - usage: unknown option '--frobnicate'/,
    },
    {
      name: 'bad kind',
      args: ['check', '--file', '-', '--kind', 'vlan'],
      line: /^NICWATCH UNKNOWN - usage: option .*--kind.* argument 'vlan' is invalid/,
    },
    {
      name: 'bad threshold',
      args: ['check', '--file', '-', '-w', 'two'],
      line: /^NICWATCH UNKNOWN - usage: -w needs a number of legs, got "two"$/,
    },
    {
      name: 'missing file',
      args: ['check', '--file', '/nonexistent/bond0'],
      line: /^NICWATCH UNKNOWN - cannot read \/nonexistent\/bond0: ENOENT/,
    },
  ];
  it.each(usage)('usage error is UNKNOWN: $name', async ({ args, line }) => {
    const run = await runCli(args);
    expect(run.stdout.split('\n')[0]).toMatch(line);
    expect(run.code).toBe(3);
  });
});
