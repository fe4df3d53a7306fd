/**
 * discover's pure judgement: extends examined, and the suggested `devices:` entry built from what
 * a device answered. Every suggestion is also loaded with the config loader, so a case that
 * prints an invalid fragment fails here before it fails an operator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config/load';
import {
  examineExtends,
  SECRET_ENV,
  suggestDevice,
  toDeviceName,
  type DeviceAnswers,
  type ExtendFinding,
  type SnmpAccess,
} from '../../src/discover/suggest';
import type { InterfaceState, LldpNeighbour } from '../../src/model';
import { decodeStpBridge, decodeStpPorts } from '../../src/snmp/bridge-mib';
import { decodeInterfaces } from '../../src/snmp/if-mib';
import { DOT1D_BRIDGE, IF_TABLE, IF_X_TABLE } from '../../src/snmp/oids';
import { loadWalkFile, subtree } from '../helpers/snmpwalk-file';

const FIXTURES = join(__dirname, '..', 'fixtures');
const fixture = (path: string): string => readFileSync(join(FIXTURES, path), 'utf8');

const BOND = fixture('bonding/active-backup-mii-one-down.txt');
const TEAM = fixture('teamd/activebackup-both-up.json');
const IPMP_TWO = fixture('ipmp/ipmpstat-g-two-groups.txt');
const NO_SLAVES = fixture('bonding/active-backup-no-slaves.txt');

const V2C: SnmpAccess = { port: 161, version: '2c', community: 'public' };
/** What the placeholders stand for when the suggestion is loaded. */
const ENV = {
  [SECRET_ENV.community]: 'community-from-env',
  [SECRET_ENV.authKey]: 'auth-key-from-env',
  [SECRET_ENV.privKey]: 'priv-key-from-env',
};

const iface = (ifIndex: number, name: string, operUp = true, type = 6): InterfaceState => ({
  ifIndex,
  name,
  descr: name,
  alias: null,
  type,
  operUp,
  adminUp: true,
  speedMbps: 10000,
  lastChangeTicks: 0,
});
const SERVER_INTERFACES = [
  iface(1, 'lo', true, 24),
  iface(2, 'eth0'),
  iface(3, 'eth1', false),
  iface(4, 'bond0'),
];

const neighbour = (over: Partial<LldpNeighbour>): LldpNeighbour => ({
  localIfIndex: null,
  localPortNum: 0,
  chassisId: '02:00:00:00:0a:00',
  portId: 'swp1',
  portDescr: null,
  sysName: 'sw-a',
  ...over,
});

function server(extendOutputs: ExtendFinding[], over: Partial<DeviceAnswers> = {}): DeviceAnswers {
  return {
    address: '192.0.2.21',
    sysName: 'srv1',
    sysDescr: 'Linux srv1 6.1.0-26-amd64 #1 SMP x86_64',
    interfaces: SERVER_INTERFACES,
    switch: { stp: null, stpPorts: null, lldp: null },
    extends: extendOutputs,
    ...over,
  };
}

const ext = (name: string, text: string, exitCode: number | null = 0): ExtendFinding[] =>
  examineExtends([{ name, text, exitCode }]);

interface Entry {
  name: string;
  role: string;
  address: string;
  snmp?: Record<string, unknown>;
  groups?: {
    name: string;
    kind: string;
    extend?: string;
    legs: { interface: string; switch?: string; port?: string }[];
  }[];
}

/**
 * The one entry of a suggestion, after checking it loads as nicwatch.yaml (with `others`, more
 * `devices:` items, appended).
 */
function entryOf(yaml: string, others = '', env: Record<string, string> = ENV): Entry {
  expect(() => parseConfig(yaml + others, 'suggestion.yaml', env), yaml + others).not.toThrow();
  const doc = parse(yaml) as { devices: Entry[] };
  expect(doc.devices, `got ${doc.devices.length} entries, want 1`).toHaveLength(1);
  return doc.devices[0] as Entry;
}

describe('examineExtends', () => {
  const cases: {
    name: string;
    text: string;
    exitCode?: number | null;
    kinds: string[];
    problem: RegExp | null;
  }[] = [
    { name: 'bonding text', text: BOND, kinds: ['linux-bond'], problem: null },
    { name: 'teamd state dump', text: TEAM, kinds: ['linux-team'], problem: null },
    { name: 'IPMP with two groups', text: IPMP_TWO, kinds: ['ipmp', 'ipmp'], problem: null },
    {
      name: 'not a group text',
      text: 'hello\n',
      kinds: [],
      problem: /^not a bonding\/teamd\/IPMP text$/,
    },
    { name: 'empty output', text: '', kinds: [], problem: /^printed nothing$/ },
    {
      name: 'command failed',
      text: '/bin/cat: /proc/net/bonding/bond9: No such file or directory',
      exitCode: 1,
      kinds: [],
      problem: /^exited 1: \/bin\/cat: .*bond9/,
    },
    {
      name: 'bonding header, broken body',
      text: 'Ethernet Channel Bonding Driver: v3.7.1\n\nBonding Mode: warp speed\n',
      kinds: [],
      problem: /^looks like linux-bond text but does not decode: /,
    },
  ];
  it.each(cases)('$name', ({ text, exitCode = 0, kinds, problem }) => {
    const [finding] = examineExtends([{ name: 'x', text, exitCode }]);
    const got = finding?.groups.map((g) => g.kind);
    expect(got, `got kinds ${JSON.stringify(got)}, want ${JSON.stringify(kinds)}`).toEqual(kinds);
    if (problem === null) expect(finding?.problem).toBeNull();
    else expect(finding?.problem).toMatch(problem);
  });
});

describe('suggestDevice: servers', () => {
  const cases: {
    name: string;
    answers: DeviceAnswers;
    groups: Entry['groups'];
    comments: string[];
  }[] = [
    {
      name: 'bond extend',
      answers: server(ext('bond0', BOND)),
      groups: [
        { name: 'bond0', kind: 'linux-bond', legs: [{ interface: 'eth0' }, { interface: 'eth1' }] },
      ],
      comments: [
        '# role server: extend bond0 prints a bond/team/IPMP group',
        '# extend bond0: linux-bond active-backup, 1 of 2 legs up, active eth0',
        '- { interface: eth0 } # switch: ?, port: ?',
        '# legs: no LLDP-MIB on this agent',
        '# interfaces: eth0 up, eth1 down, bond0 up',
      ],
    },
    {
      name: 'team extend',
      answers: server(ext('team0', TEAM)),
      groups: [
        { name: 'team0', kind: 'linux-team', legs: [{ interface: 'eth1' }, { interface: 'eth2' }] },
      ],
      comments: ['# extend team0: linux-team activebackup, 2 of 2 legs up, active eth1'],
    },
    {
      name: 'IPMP groups keep their own names, the extend is named',
      answers: server(ext('ipmpstat', IPMP_TWO)),
      groups: [
        {
          name: 'ipmp0',
          kind: 'ipmp',
          extend: 'ipmpstat',
          legs: [{ interface: 'net0' }, { interface: 'net1' }],
        },
        {
          name: 'acctg1',
          kind: 'ipmp',
          extend: 'ipmpstat',
          legs: [{ interface: 'net2' }, { interface: 'net3' }],
        },
      ],
      comments: [],
    },
    {
      name: 'non-group extend beside a bond',
      answers: server([...ext('uptime', ' 10:00:00 up 3 days\n'), ...ext('bond0', BOND)]),
      groups: [
        { name: 'bond0', kind: 'linux-bond', legs: [{ interface: 'eth0' }, { interface: 'eth1' }] },
      ],
      comments: ['# extend uptime: not a bonding/teamd/IPMP text'],
    },
    {
      name: 'only a non-group extend: server assumed, no groups',
      answers: server(ext('foo', 'hello\n')),
      groups: undefined,
      comments: ['# role server assumed: no extend prints', '# extend foo: not a bonding'],
    },
    {
      name: 'a bond without legs is left out with a reason',
      answers: server(ext('bond1', NO_SLAVES)),
      groups: undefined,
      comments: ['# extend bond1: linux-bond active-backup has no legs yet'],
    },
    {
      name: 'LLDP: legs joined to the neighbour that names its switch and port',
      answers: server(ext('bond0', BOND), {
        switch: {
          stp: null,
          stpPorts: null,
          lldp: [
            neighbour({ localIfIndex: 2, sysName: 'sw-a.example.net', portId: 'swp1' }),
            // lldpd's agentx: no lldpLocPortTable match, lldpRemLocalPortNum is the ifIndex
            neighbour({ localPortNum: 3, sysName: 'SW B (core)', portId: 'Gi1/0/7' }),
          ],
        },
      }),
      groups: [
        {
          name: 'bond0',
          kind: 'linux-bond',
          legs: [
            { interface: 'eth0', switch: 'sw-a.example.net', port: 'swp1' },
            { interface: 'eth1', switch: 'SW-B-core', port: 'Gi1/0/7' },
          ],
        },
      ],
      comments: ['# LLDP on eth0: sw-a.example.net port swp1'],
    },
    {
      name: 'LLDP: no system name, a MAC port id, several neighbours',
      answers: server([...ext('bond0', BOND), ...ext('team0', TEAM)], {
        switch: {
          stp: null,
          stpPorts: null,
          lldp: [
            neighbour({ localIfIndex: 2, sysName: null }),
            neighbour({ localIfIndex: 3, portId: '02:00:00:00:0a:07', portDescr: 'port 7' }),
          ],
        },
        interfaces: [...SERVER_INTERFACES, iface(5, 'eth2')],
      }),
      groups: [
        {
          name: 'bond0',
          kind: 'linux-bond',
          legs: [{ interface: 'eth0' }, { interface: 'eth1', switch: 'sw-a' }],
        },
        {
          name: 'team0',
          kind: 'linux-team',
          legs: [{ interface: 'eth1', switch: 'sw-a' }, { interface: 'eth2' }],
        },
      ],
      comments: [
        '- { interface: eth0 } # switch: ?, port: ? (the LLDP neighbour 02:00:00:00:0a:00 port swp1 sends no system name)',
        '- { interface: eth1, switch: sw-a } # port: ? (LLDP port id 02:00:00:00:0a:07 is a MAC address; port description "port 7")',
        '- { interface: eth2 } # switch: ?, port: ? (no LLDP neighbour heard on it)',
      ],
    },
  ];

  it.each(cases)('$name', ({ answers, groups, comments }) => {
    const yaml = suggestDevice(answers, V2C);
    // legs naming a switch need that switch in the file: add the ones LLDP named
    const switches = new Set(
      (answers.switch.lldp ?? []).flatMap((n) => (n.sysName ? [toDeviceName(n.sysName)] : [])),
    );
    const others = [...switches]
      .map((name, i) => `  - { name: ${name}, role: switch, address: 192.0.2.${100 + i} }\n`)
      .join('');
    const entry = entryOf(yaml, others);
    expect(entry.role, `got role ${entry.role}, want server`).toBe('server');
    expect(entry.name).toBe('srv1');
    expect(entry.address).toBe('192.0.2.21');
    expect(entry.snmp, 'default SNMP settings need no snmp block').toBeUndefined();
    expect(entry.groups).toEqual(groups);
    for (const line of comments) expect(yaml, `want a line containing "${line}"`).toContain(line);
  });
});

describe('suggestDevice: a switch from the lab capture', () => {
  const rows = loadWalkFile(join(FIXTURES, 'switch', 'lab-swc.snmpwalk'));
  const bridge = subtree(rows, DOT1D_BRIDGE);
  const interfaces = decodeInterfaces({
    ifTable: subtree(rows, IF_TABLE),
    ifXTable: subtree(rows, IF_X_TABLE),
  });
  const answers: DeviceAnswers = {
    address: '198.19.237.10',
    sysName: 'nwfx-swc',
    sysDescr: 'Linux nwfx-swc 6.18.0 #1 SMP x86_64',
    interfaces,
    switch: {
      stp: decodeStpBridge(bridge),
      stpPorts: decodeStpPorts({ basePortIfIndex: bridge, stpPortState: bridge, operEdge: bridge }),
      lldp: [neighbour({ localIfIndex: 6, sysName: 'nwfx-srv', portId: 'eth1' })],
    },
    extends: ext('hello', 'hi\n'),
  };
  const yaml = suggestDevice(answers, { port: 16110, version: '2c', community: 'public' });

  it('is a switch entry without groups that loads', () => {
    const entry = entryOf(yaml);
    expect(entry).toEqual({
      name: 'nwfx-swc',
      role: 'switch',
      address: '198.19.237.10',
      snmp: { port: 16110 },
    });
  });

  const lines = [
    '# role switch: BRIDGE-MIB answers with 3 bridge ports',
    '# STP bridge 8000.020000000c00, root 1000.020000000a00',
    '#   c-a (bridge port 1): forwarding, edge ?, up',
    '#   c-b (bridge port 2): blocking, edge ?, up',
    '#   c-srv (bridge port 3): disabled, edge ?, down; LLDP nwfx-srv port eth1',
    '# extend hello: not a bonding/teamd/IPMP text',
  ];
  it.each(lines)('comments the bridge ports: %s', (line) => {
    expect(yaml).toContain(line);
  });
});

describe('suggestDevice: names', () => {
  const cases: { name: string; sysName: string | null; address: string; want: string }[] = [
    {
      name: 'valid sysName kept',
      sysName: 'srv1.dc1.example',
      address: '192.0.2.1',
      want: 'srv1.dc1.example',
    },
    {
      name: 'spaces and brackets',
      sysName: 'my server (rack 4)',
      address: '192.0.2.1',
      want: 'my-server-rack-4',
    },
    { name: 'leading punctuation', sysName: '_srv1', address: '192.0.2.1', want: 'srv1' },
    {
      name: 'colon and slash',
      sysName: 'unknown:sw/1',
      address: '192.0.2.1',
      want: 'unknown-sw-1',
    },
    { name: 'non-ASCII', sysName: 'serveur-été', address: '192.0.2.1', want: 'serveur-t' },
    { name: 'no sysName: the address', sysName: null, address: '192.0.2.7', want: '192.0.2.7' },
    {
      name: 'nothing usable in sysName',
      sysName: '***',
      address: '2001:db8::7',
      want: '2001-db8-7',
    },
  ];
  it.each(cases)('$name', ({ sysName, address, want }) => {
    const yaml = suggestDevice(server(ext('bond0', BOND), { sysName, address }), V2C);
    const entry = entryOf(yaml);
    expect(entry.name, `got ${entry.name}, want ${want}`).toBe(want);
    if (sysName !== null && sysName !== want) expect(yaml).toContain(`from sysName "${sysName}"`);
  });
});

describe('suggestDevice: SNMP settings', () => {
  const SECRETS = ['authsecret-123', 'privsecret-456', 'community-789'];
  const cases: { name: string; access: SnmpAccess; want: Record<string, unknown> | undefined }[] = [
    { name: 'defaults: no snmp block', access: V2C, want: undefined },
    {
      name: 'v1 with a private community',
      access: { port: 1161, version: '1', community: 'community-789' },
      want: { port: 1161, version: '1', community: 'community-from-env' },
    },
    {
      name: 'v3 authPriv',
      access: {
        port: 161,
        version: '3',
        community: 'public',
        user: {
          name: 'nwsha',
          level: 'authPriv',
          authProtocol: 'sha256',
          authKey: 'authsecret-123',
          privProtocol: 'aes',
          privKey: 'privsecret-456',
        },
      },
      want: {
        version: '3',
        user: {
          name: 'nwsha',
          level: 'authPriv',
          authProtocol: 'sha256',
          authKey: 'auth-key-from-env',
          privProtocol: 'aes',
          privKey: 'priv-key-from-env',
        },
      },
    },
    {
      name: 'v3 authNoPriv',
      access: {
        port: 161,
        version: '3',
        user: {
          name: 'nwmd5',
          level: 'authNoPriv',
          authProtocol: 'md5',
          authKey: 'authsecret-123',
        },
      },
      want: {
        version: '3',
        user: {
          name: 'nwmd5',
          level: 'authNoPriv',
          authProtocol: 'md5',
          authKey: 'auth-key-from-env',
        },
      },
    },
  ];
  it.each(cases)('$name', ({ access, want }) => {
    const yaml = suggestDevice(server(ext('bond0', BOND)), access);
    for (const secret of SECRETS) expect(yaml, `secret ${secret} printed`).not.toContain(secret);
    const config = parseConfig(yaml, 'suggestion.yaml', ENV);
    expect(config.devices[0]?.snmp).toEqual(want);
    if (want !== undefined && JSON.stringify(want).includes('-from-env')) {
      expect(yaml).toMatch(/# snmp: set NICWATCH_\w+(, NICWATCH_\w+)* in nicwatch's environment/);
    }
  });

  it('names the missing variable when the secret is not set', () => {
    const access: SnmpAccess = { port: 161, version: '2c', community: 'community-789' };
    const yaml = suggestDevice(server(ext('bond0', BOND)), access);
    expect(yaml).toContain('snmp: { community: "${NICWATCH_COMMUNITY}" }');
    expect(() => parseConfig(yaml, 'suggestion.yaml', {})).toThrow(/NICWATCH_COMMUNITY/);
  });
});
