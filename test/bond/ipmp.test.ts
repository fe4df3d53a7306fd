import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { decodeIpmp, looksLikeIpmp } from '../../src/bond/ipmp';
import { DecodeError } from '../../src/errors';
import type { RedundancyGroup } from '../../src/model';

const FIXTURES = join(__dirname, '../fixtures/ipmp');

function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), 'utf8');
}

/** What an operator reads off a group: which legs are up, carry traffic, wait, and how it watches. */
interface Summary {
  name: string | null;
  legs: string[];
  up: string[];
  active: string[];
  standby: string[];
  states: Record<string, string | null>;
  activeLeg: string | null;
  detection: string;
  fdtMs: number | null;
}

function summarise(group: RedundancyGroup): Summary {
  const names = (keep: (leg: RedundancyGroup['legs'][number]) => boolean): string[] =>
    group.legs.filter(keep).map((leg) => leg.interface);
  return {
    name: group.name,
    legs: names(() => true),
    up: names((leg) => leg.up),
    active: names((leg) => leg.active),
    standby: names((leg) => leg.standby),
    states: Object.fromEntries(group.legs.map((leg) => [leg.interface, leg.state])),
    activeLeg: group.activeLeg,
    detection: group.monitoring.detection,
    fdtMs: group.monitoring.probeFailureDetectionMs,
  };
}

const IPMPSTAT_I_HEADER = 'INTERFACE   ACTIVE  GROUP       FLAGS     LINK      PROBE     STATE';
const IPMPSTAT_G_HEADER = 'GROUP       GROUPNAME   STATE     FDT       INTERFACES';

/** libofmt repeats the header every 24 lines of output, pipes included. */
function longInterfaceTable(): string {
  const rows = Array.from(
    { length: 25 },
    (_, i) => `net${i}        yes     ipmp0       -------   up        disabled  ok`,
  );
  return [IPMPSTAT_I_HEADER, ...rows.slice(0, 23), IPMPSTAT_I_HEADER, ...rows.slice(23)].join('\n');
}

const SOLARIS10_LINK_ONLY = `lo0: flags=2001000849<UP,LOOPBACK,RUNNING,MULTICAST,IPv4,VIRTUAL> mtu 8232 index 1
        inet 127.0.0.1 netmask ff000000
bge0: flags=1000843<UP,BROADCAST,RUNNING,MULTICAST,IPv4> mtu 1500 index 2
        inet 192.0.2.60 netmask ffffff00 broadcast 192.0.2.255
        groupname web
bge1: flags=1000802<BROADCAST,MULTICAST,IPv4> mtu 1500 index 3
        inet 0.0.0.0 netmask 0
        groupname web
`;

const SOLARIS11_IFCONFIG = `lo0: flags=2001000849<UP,LOOPBACK,RUNNING,MULTICAST,IPv4,VIRTUAL> mtu 8232 index 1
        inet 127.0.0.1 netmask ff000000
net0: flags=1000843<UP,BROADCAST,RUNNING,MULTICAST,IPv4> mtu 1500 index 2
        inet 0.0.0.0 netmask ff000000
        groupname ipmp0
        ether 2:0:0:0:0:a
net1: flags=1000843<UP,BROADCAST,RUNNING,MULTICAST,IPv4> mtu 1500 index 3
        inet 0.0.0.0 netmask ff000000
        groupname ipmp0
        ether 2:0:0:0:0:b
ipmp0: flags=8001000843<UP,BROADCAST,RUNNING,MULTICAST,IPv4,IPMP> mtu 1500 index 4
        inet 192.0.2.70 netmask ffffff00 broadcast 192.0.2.255
        groupname ipmp0
`;

interface DecodeCase {
  name: string;
  text: string;
  hint?: string;
  want: Summary;
}

const decodeCases: DecodeCase[] = [
  {
    name: 'ipmpstat -i: both interfaces active and probing',
    text: fixture('ipmpstat-i-ok.txt'),
    want: {
      name: 'ipmp0',
      legs: ['net0', 'net1'],
      up: ['net0', 'net1'],
      active: ['net0', 'net1'],
      standby: [],
      states: { net0: 'ok', net1: 'ok' },
      activeLeg: null,
      detection: 'link+probe',
      fdtMs: null,
    },
  },
  {
    name: 'ipmpstat -i: net1 failed, net0 carries the traffic alone',
    text: fixture('ipmpstat-i-one-failed.txt'),
    want: {
      name: 'ipmp0',
      legs: ['net0', 'net1'],
      up: ['net0'],
      active: ['net0'],
      standby: [],
      states: { net0: 'ok', net1: 'failed' },
      activeLeg: 'net0',
      detection: 'link+probe',
      fdtMs: null,
    },
  },
  {
    name: 'ipmpstat -i: net1 is an inactive standby, link-based detection only',
    text: fixture('ipmpstat-i-standby.txt'),
    want: {
      name: 'ipmp0',
      legs: ['net0', 'net1'],
      up: ['net0', 'net1'],
      active: ['net0'],
      standby: ['net1'],
      states: { net0: 'ok', net1: 'ok' },
      activeLeg: 'net0',
      detection: 'link',
      fdtMs: null,
    },
  },
  {
    name: 'ipmpstat -i: unknown (no probe targets) still carries traffic, offline does not',
    text: fixture('ipmpstat-i-offline-unknown.txt'),
    want: {
      name: 'ipmp0',
      legs: ['net0', 'net1', 'net2'],
      up: ['net0', 'net1'],
      active: ['net0', 'net1'],
      standby: ['net2'],
      states: { net0: 'ok', net1: 'unknown', net2: 'offline' },
      activeLeg: null,
      detection: 'link+probe',
      fdtMs: null,
    },
  },
  {
    name: 'ipmpstat -i: header repeated after 24 lines is skipped',
    text: longInterfaceTable(),
    want: {
      name: 'ipmp0',
      legs: Array.from({ length: 25 }, (_, i) => `net${i}`),
      up: Array.from({ length: 25 }, (_, i) => `net${i}`),
      active: Array.from({ length: 25 }, (_, i) => `net${i}`),
      standby: [],
      states: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`net${i}`, 'ok'])),
      activeLeg: null,
      detection: 'link',
      fdtMs: null,
    },
  },
  {
    name: 'ipmpstat -i -o interface,active,state: columns follow the header',
    text: 'INTERFACE   ACTIVE  STATE\nnet0        no      failed\nnet1        yes     ok\n',
    want: {
      name: null,
      legs: ['net0', 'net1'],
      up: ['net1'],
      active: ['net1'],
      standby: [],
      states: { net0: 'failed', net1: 'ok' },
      activeLeg: 'net1',
      detection: 'link',
      fdtMs: null,
    },
  },
  {
    name: 'ipmpstat -g: active, (inactive) and [unusable] interfaces with FDT',
    text: fixture('ipmpstat-g-degraded.txt'),
    want: {
      name: 'ipmp0',
      legs: ['net0', 'net2', 'net1'],
      up: ['net0', 'net2'],
      active: ['net0'],
      standby: ['net2'],
      states: { net0: 'active', net2: 'inactive', net1: 'unusable' },
      activeLeg: 'net0',
      detection: 'link+probe',
      fdtMs: 10000,
    },
  },
  {
    name: 'ipmpstat -g: hint picks ipmp0 out of two groups',
    text: fixture('ipmpstat-g-two-groups.txt'),
    hint: 'ipmp0',
    want: {
      name: 'ipmp0',
      legs: ['net0', 'net1'],
      up: ['net0', 'net1'],
      active: ['net0', 'net1'],
      standby: [],
      states: { net0: 'active', net1: 'active' },
      activeLeg: null,
      detection: 'link+probe',
      fdtMs: 10000,
    },
  },
  ...['acctg1', 'ipmp1'].map((hint) => ({
    name: `ipmpstat -g: hint ${hint} picks the failed group by ${hint === 'acctg1' ? 'group' : 'IPMP interface'} name`,
    text: fixture('ipmpstat-g-two-groups.txt'),
    hint,
    want: {
      name: 'acctg1',
      legs: ['net2', 'net3'],
      up: [],
      active: [],
      standby: [],
      states: { net2: 'unusable', net3: 'unusable' },
      activeLeg: null,
      detection: 'link' as const,
      fdtMs: null,
    },
  })),
  {
    name: 'ipmpstat -g: the anonymous group has no name',
    text: `${IPMPSTAT_G_HEADER}\n--          --          ok        --        net5 net6\n`,
    want: {
      name: null,
      legs: ['net5', 'net6'],
      up: ['net5', 'net6'],
      active: ['net5', 'net6'],
      standby: [],
      states: { net5: 'active', net6: 'active' },
      activeLeg: null,
      detection: 'link',
      fdtMs: null,
    },
  },
  {
    name: 'ipmpstat -P -i: hint ipmp0, net1 failed',
    text: fixture('ipmpstat-P-i.txt'),
    hint: 'ipmp0',
    want: {
      name: 'ipmp0',
      legs: ['net0', 'net1'],
      up: ['net0'],
      active: ['net0'],
      standby: [],
      states: { net0: 'ok', net1: 'failed' },
      activeLeg: 'net0',
      detection: 'link+probe',
      fdtMs: null,
    },
  },
  {
    name: 'ipmpstat -P -i: hint ipmp1, net3 standby, probes disabled',
    text: fixture('ipmpstat-P-i.txt'),
    hint: 'ipmp1',
    want: {
      name: 'ipmp1',
      legs: ['net2', 'net3'],
      up: ['net2', 'net3'],
      active: ['net2'],
      standby: ['net3'],
      states: { net2: 'ok', net3: 'ok' },
      activeLeg: 'net2',
      detection: 'link',
      fdtMs: null,
    },
  },
  {
    name: 'ipmpstat -P -i: CRLF line ends',
    text: fixture('ipmpstat-P-i.txt').replace(/\n/g, '\r\n'),
    hint: 'ipmp0',
    want: {
      name: 'ipmp0',
      legs: ['net0', 'net1'],
      up: ['net0'],
      active: ['net0'],
      standby: [],
      states: { net0: 'ok', net1: 'failed' },
      activeLeg: 'net0',
      detection: 'link+probe',
      fdtMs: null,
    },
  },
  {
    name: 'ipmpstat -P -g: degraded group, FDT 20.00s',
    text: fixture('ipmpstat-P-g.txt'),
    want: {
      name: 'ipmp0',
      legs: ['net0', 'net1'],
      up: ['net0'],
      active: ['net0'],
      standby: [],
      states: { net0: 'active', net1: 'unusable' },
      activeLeg: 'net0',
      detection: 'link+probe',
      fdtMs: 20000,
    },
  },
  {
    name: 'ifconfig -a Solaris 10: test addresses and IPv6 blocks are not extra legs',
    text: fixture('ifconfig-a-sol10-ok.txt'),
    want: {
      name: 'ipmp0',
      legs: ['ce0', 'ce1'],
      up: ['ce0', 'ce1'],
      active: ['ce0', 'ce1'],
      standby: [],
      states: { ce0: 'ok', ce1: 'ok' },
      activeLeg: null,
      detection: 'link+probe',
      fdtMs: null,
    },
  },
  {
    name: 'ifconfig -a Solaris 8: hme0 FAILED, qfe0 carries its address',
    text: fixture('ifconfig-a-sol8-failed.txt'),
    want: {
      name: 'prod',
      legs: ['hme0', 'qfe0'],
      up: ['qfe0'],
      active: ['qfe0'],
      standby: [],
      states: { hme0: 'FAILED', qfe0: 'ok' },
      activeLeg: 'qfe0',
      detection: 'link+probe',
      fdtMs: null,
    },
  },
  {
    name: 'ifconfig -a: STANDBY,INACTIVE interface is up but carries nothing',
    text: fixture('ifconfig-a-standby.txt'),
    want: {
      name: 'ipmp0',
      legs: ['e1000g0', 'e1000g1'],
      up: ['e1000g0', 'e1000g1'],
      active: ['e1000g0'],
      standby: ['e1000g1'],
      states: { e1000g0: 'ok', e1000g1: 'STANDBY' },
      activeLeg: 'e1000g0',
      detection: 'link+probe',
      fdtMs: null,
    },
  },
  {
    name: 'ifconfig -a: after failover the STANDBY interface is the active one',
    text: fixture('ifconfig-a-standby-failover.txt'),
    want: {
      name: 'ipmp0',
      legs: ['e1000g0', 'e1000g1'],
      up: ['e1000g1'],
      active: ['e1000g1'],
      standby: ['e1000g1'],
      states: { e1000g0: 'FAILED', e1000g1: 'STANDBY' },
      activeLeg: 'e1000g1',
      detection: 'link+probe',
      fdtMs: null,
    },
  },
  {
    name: 'ifconfig -a without test addresses: link-based only; no RUNNING means down',
    text: SOLARIS10_LINK_ONLY,
    want: {
      name: 'web',
      legs: ['bge0', 'bge1'],
      up: ['bge0'],
      active: ['bge0'],
      standby: [],
      states: { bge0: 'ok', bge1: 'ok' },
      activeLeg: 'bge0',
      detection: 'link',
      fdtMs: null,
    },
  },
  {
    name: 'ifconfig -a Solaris 11: the IPMP interface itself is not a leg',
    text: SOLARIS11_IFCONFIG,
    want: {
      name: 'ipmp0',
      legs: ['net0', 'net1'],
      up: ['net0', 'net1'],
      active: ['net0', 'net1'],
      standby: [],
      states: { net0: 'ok', net1: 'ok' },
      activeLeg: null,
      detection: 'link',
      fdtMs: null,
    },
  },
];

describe('decodeIpmp', () => {
  it.each(decodeCases)('$name', ({ text, hint, want }) => {
    const group = decodeIpmp(text, hint);
    expect(summarise(group)).toEqual(want);
    expect(group.kind).toBe('ipmp');
    expect(group.mode).toBe('ipmp');
    expect(group.policy).toBe('multipath');
  });

  it('reads each leg MAC from the ether line, merged across IPv4 and IPv6 blocks', () => {
    const group = decodeIpmp(fixture('ifconfig-a-sol10-ok.txt'));
    const macs = Object.fromEntries(group.legs.map((leg) => [leg.interface, leg.mac]));
    expect(macs).toEqual({ ce0: '2:0:0:ab:cd:1', ce1: '2:0:0:ab:cd:2' });
  });

  it('leaves every field no IPMP text reports at its default', () => {
    const group = decodeIpmp(fixture('ipmpstat-i-ok.txt'));
    expect(group.primary).toBeNull();
    expect(group.lacp).toBeNull();
    expect(group.monitoring.miiIntervalMs).toBeNull();
    expect(group.legs.every((leg) => leg.lacp === null && leg.speedMbps === null)).toBe(true);
  });
});

interface ErrorCase {
  name: string;
  text: string;
  hint?: string;
  message: RegExp;
  line?: number;
}

const errorCases: ErrorCase[] = [
  { name: 'empty text', text: '', message: /empty input/ },
  { name: 'blank lines only', text: '\n  \n\n', message: /empty input/ },
  { name: 'garbage', text: 'hello world\n', message: /expected an ipmpstat header/, line: 1 },
  {
    name: 'ipmpstat -i header without rows',
    text: `${IPMPSTAT_I_HEADER}\n`,
    message: /ipmpstat -i output: .*header but no rows/,
    line: 1,
  },
  {
    name: 'ipmpstat -g header without rows',
    text: `\n${IPMPSTAT_G_HEADER}\n\n`,
    message: /ipmpstat -g output: .*header but no rows/,
    line: 2,
  },
  {
    name: 'ipmpstat -i row missing a column',
    text: `${IPMPSTAT_I_HEADER}\nnet0 yes ipmp0 --mbM-- up ok\n`,
    message: /expected 7 columns .* got 6/,
    line: 2,
  },
  {
    name: 'ipmpstat -i value outside the documented set',
    text: `${IPMPSTAT_I_HEADER}\nnet0 maybe ipmp0 --mbM-- up ok ok\n`,
    message: /ACTIVE "maybe": expected yes or no/,
    line: 2,
  },
  {
    name: 'ipmpstat -i undetermined value "?"',
    text: `${IPMPSTAT_I_HEADER}\nnet0 yes ipmp0 --mbM-- up ok ?\n`,
    message: /STATE "\?"/,
    line: 2,
  },
  {
    name: 'ipmpstat -g interface list out of order',
    text: `${IPMPSTAT_G_HEADER}\nipmp0 ipmp0 degraded 10.00s net0 [net1] (net2)\n`,
    message: /INTERFACES "net0 \[net1\] \(net2\)"/,
    line: 2,
  },
  {
    name: 'ipmpstat -t (target mode) is not a group view',
    text: 'INTERFACE   MODE       TESTADDR            TARGETS\nnet0        routes     192.0.2.11          192.0.2.1\n',
    message: /not ipmpstat -i .* or -g/,
    line: 1,
  },
  {
    name: 'parsable line of an unsupported shape',
    text: 'ipmp0:10.00s\n',
    message: /expected an ipmpstat header, or parsable rows/,
    line: 1,
  },
  {
    name: 'parsable -i fields in another order',
    text: 'net0:ipmp0:yes:--mbM--:up:ok:ok\n',
    message: /ACTIVE "ipmp0"/,
    line: 1,
  },
  {
    name: 'parsable rows of different lengths',
    text: 'net0:yes:ipmp0:--mbM--:up:ok:ok\nnet1:yes:ipmp0:--mbM--:up\n',
    message: /expected 7 ':'-separated fields .* got 5/,
    line: 2,
  },
  {
    name: 'several groups and no hint',
    text: fixture('ipmpstat-g-two-groups.txt'),
    message: /several IPMP groups \(ipmp0, acctg1\)/,
  },
  {
    name: 'several groups in -P -i and no hint',
    text: fixture('ipmpstat-P-i.txt'),
    message: /several IPMP groups \(ipmp0, ipmp1\)/,
  },
  {
    name: 'hint that matches no group',
    text: fixture('ipmpstat-g-two-groups.txt'),
    hint: 'ipmp9',
    message: /no IPMP group "ipmp9"; groups present: ipmp0, acctg1/,
  },
  {
    name: 'hint that matches no group in ifconfig -a',
    text: fixture('ifconfig-a-sol8-failed.txt'),
    hint: 'ipmp0',
    message: /no IPMP group "ipmp0"; groups present: prod/,
  },
  {
    name: 'ifconfig -a without any groupname',
    text: 'lo0: flags=1000849<UP,LOOPBACK,RUNNING,MULTICAST,IPv4> mtu 8232 index 1\n        inet 127.0.0.1 netmask ff000000\n',
    message: /no interface has a "groupname" line/,
  },
  {
    name: 'ifconfig -a with a stray unindented line',
    text: `${fixture('ifconfig-a-standby.txt')}oops, truncated\n`,
    message: /ifconfig -a output: .*expected "<interface>: flags=/,
    line: 13,
  },
  {
    name: 'ifconfig -a interface whose IPv4 and IPv6 blocks name different groups',
    text: fixture('ifconfig-a-standby.txt').replace(
      /(e1000g1: flags=[^\n]*\n[^\n]*\n\s+groupname )ipmp0/,
      '$1ipmp0\ne1000g1: flags=2000841<UP,RUNNING,MULTICAST,IPv6> mtu 1500 index 3\n        groupname other',
    ),
    message: /e1000g1 is in group "ipmp0" and in group "other"/,
    line: 13,
  },
];

describe('decodeIpmp errors', () => {
  it.each(errorCases)('$name', ({ text, hint, message, line }) => {
    let caught: unknown;
    try {
      decodeIpmp(text, hint);
    } catch (err) {
      caught = err;
    }
    expect(caught, 'want a DecodeError').toBeInstanceOf(DecodeError);
    const err = caught as DecodeError;
    expect(err.message).toMatch(message);
    if (line !== undefined) expect(err.line, `line: got ${err.line}, want ${line}`).toBe(line);
  });
});

describe('looksLikeIpmp', () => {
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.txt'));

  it.each(fixtures)('recognises %s', (name) => {
    expect(looksLikeIpmp(fixture(name))).toBe(true);
  });

  it.each([
    ['empty text', ''],
    ['garbage', 'hello world'],
    [
      '/proc/net/bonding',
      'Ethernet Channel Bonding Driver: v3.7.1\n\nBonding Mode: active-backup\n',
    ],
    ['teamd JSON', '{"setup": {"runner_name": "activebackup"}, "ports": {}}'],
    ['ifconfig -a without IPMP', 'lo0: flags=849<UP,LOOPBACK,RUNNING,MULTICAST> mtu 8232\n'],
    ['ipmpstat -t', 'INTERFACE   MODE       TESTADDR            TARGETS\n'],
    ['ipmpstat -a', 'ADDRESS                    STATE  GROUP       INBOUND     OUTBOUND\n'],
    ['colon-separated text of another shape', 'key:value\n'],
  ])('rejects %s', (_name, text) => {
    expect(looksLikeIpmp(text)).toBe(false);
  });
});

describe('fixtures README', () => {
  it('has one line per fixture file', () => {
    const readme = fixture('README.md');
    const listed = [...readme.matchAll(/^- `([^`]+)`/gm)].map((m) => m[1]).sort();
    const files = readdirSync(FIXTURES)
      .filter((f) => f !== 'README.md')
      .sort();
    expect(listed).toEqual(files);
  });
});
