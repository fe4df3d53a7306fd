import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, resolveSnmp } from '../../src/config/load';
import type { NicwatchConfig } from '../../src/config/schema';
import { netconfTargetOf } from '../../src/poll/netconf-poller';
import { ConfigError, formatConfigIssue } from '../../src/errors';

const FIXTURES = join(__dirname, '..', 'fixtures', 'config');

/** YAML from lines, so each case reads like the file it stands for. */
function yaml(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

// Two switches and a server with one bond: the smallest config the cross-field checks can bite.
const SWITCHES = [
  'devices:',
  '  - { name: sw-a, role: switch, address: 10.0.0.1 }',
  '  - { name: sw-b, role: switch, address: 10.0.0.2 }',
];
function serverWithLegs(...legs: string[]): string[] {
  return [
    '  - name: srv1',
    '    role: server',
    '    address: 10.0.0.21',
    '    groups:',
    '      - name: bond0',
    '        legs:',
    ...legs.map((leg) => `          - ${leg}`),
  ];
}
const VALID = yaml(
  ...SWITCHES,
  ...serverWithLegs('{ interface: eth0, switch: sw-a, port: swp1 }', '{ interface: eth1 }'),
);

/** The `path: message` lines of the ConfigError `text` raises; [] when it loads. */
function issuesOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, 'test.yaml', env);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues.map(formatConfigIssue);
  }
}

interface IssueCase {
  name: string;
  text: string;
  env?: Record<string, string>;
  want: string[];
}

function runIssueCases(cases: IssueCase[]): void {
  it.each(cases)('$name', ({ text, env, want }) => {
    const got = issuesOf(text, env);
    expect(got, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`).toEqual(want);
  });
}

describe('parseConfig: schema errors', () => {
  runIssueCases([
    { name: 'valid base config', text: VALID, want: [] },
    {
      name: 'unknown key at the root',
      text: 'pollInterval: 30\n',
      want: ['pollInterval: unknown key'],
    },
    {
      name: 'unknown key in a section',
      text: yaml('redis:', '  url: redis://127.0.0.1:6379/0', '  prefx: nw'),
      want: ['redis.prefx: unknown key'],
    },
    {
      name: 'unknown keys deep in a leg and an SNMPv3 user',
      text: yaml(
        ...SWITCHES,
        ...serverWithLegs('{ interface: eth0, vlan: 10 }'),
        '    snmp:',
        '      version: 3',
        '      user: { name: u, level: noAuthNoPriv, authPass: x }',
      ),
      want: [
        'devices[2].snmp.user.authPass: unknown key',
        'devices[2].groups[0].legs[0].vlan: unknown key',
      ],
    },
    {
      name: 'wrong types',
      text: yaml(
        'pollIntervalS: thirty',
        'traps: { listen: true, communities: public }',
        'devices:',
        '  - { name: sw-a, role: switch, address: 10.0.0.1, snmp: { port: "161" } }',
      ),
      want: [
        'traps.listen: expected "host:port" or false, got boolean',
        'traps.communities: expected list, got string',
        'pollIntervalS: expected number, got string',
        'devices[0].snmp.port: expected number, got string',
      ],
    },
    {
      name: 'a mapping where a list belongs',
      text: 'devices: { name: sw-a }\n',
      want: ['devices: expected list, got mapping'],
    },
    {
      name: 'bad enum values',
      text: yaml(
        'snmpDefaults: { version: 2 }',
        'traps:',
        '  users: [{ name: t, level: authOnly }]',
        'devices:',
        '  - { name: sw-a, role: router, address: 10.0.0.1 }',
        '  - name: sw-b',
        '    role: switch',
        '    address: 10.0.0.2',
        '    snmp:',
        '      version: 3',
        '      user: { name: u, level: authNoPriv, authProtocol: sha1, authKey: longenough }',
      ),
      want: [
        'traps.users[0].level: must be one of noAuthNoPriv, authNoPriv, authPriv, got "authOnly"',
        'snmpDefaults.version: must be 1, 2c or 3, got 2',
        'devices[0].role: must be one of switch, server, got "router"',
        'devices[1].snmp.user.authProtocol: must be one of md5, sha, sha224, sha256, sha384, sha512, got "sha1"',
      ],
    },
    {
      name: 'missing required keys',
      text: yaml(
        'devices:',
        '  - { name: sw-a, role: switch, netconf: { port: 830, password: p } }',
        '  - name: srv1',
        '    role: server',
        '    address: 10.0.0.21',
        '    groups: [{ name: bond0, legs: [{ switch: sw-a }] }, { name: bond1 }]',
      ),
      want: [
        'devices[0].address: required',
        'devices[0].netconf.username: required',
        'devices[1].groups[0].legs[0].interface: required',
        'devices[1].groups[1].legs: required',
      ],
    },
    {
      name: 'numbers out of range',
      text: yaml(
        'correlation: { windowMs: 0, staleAfterS: -1 }',
        'snmpDefaults: { port: 70000, retries: -1, timeoutMs: 1.5 }',
        'devices:',
        '  - name: srv1',
        '    role: server',
        '    address: 10.0.0.21',
        '    groups: [{ name: bond0, legs: [] }]',
      ),
      want: [
        'correlation.windowMs: must be greater than 0, got 0',
        'correlation.staleAfterS: must be greater than 0, got -1',
        'snmpDefaults.port: must be at most 65535, got 70000',
        'snmpDefaults.timeoutMs: expected integer, got number',
        'snmpDefaults.retries: must be at least 0, got -1',
        'devices[0].groups[0].legs: must have at least 1 item',
      ],
    },
    {
      name: 'host:port and addresses',
      text: yaml(
        'api: { listen: "::1:8080" }',
        'traps: { listen: "localhost" }',
        'devices:',
        '  - { name: sw-a, role: switch, address: 300.1.2.3 }',
        '  - { name: sw-b, role: switch, address: "sw b.example" }',
        '  - { name: sw-c, role: switch, address: 10.0.0.3, netconf: { port: 0, username: a, password: p } }',
      ),
      want: [
        'api.listen: an IPv6 address needs brackets, e.g. "[::1]:8080"',
        'traps.listen: must be "host:port" (IPv4, [IPv6] or hostname), got "localhost"',
        'devices[0].address: must be an IPv4 or IPv6 address or a hostname, got "300.1.2.3"',
        'devices[1].address: must be an IPv4 or IPv6 address or a hostname, got "sw b.example"',
        'devices[2].netconf.port: must be at least 1, got 0',
      ],
    },
    {
      name: 'ports in host:port',
      text: yaml('api: { listen: "127.0.0.1:80800" }', 'traps: { listen: "[::]:trap" }'),
      want: [
        'api.listen: port 80800 is out of range 0..65535',
        'traps.listen: port "trap" is not a number',
      ],
    },
    {
      name: 'SNMPv3 level against keys',
      text: yaml(
        'traps:',
        '  users:',
        '    - { name: a, level: authPriv, authProtocol: sha, authKey: authsecret }',
        '    - { name: b, level: authNoPriv, authProtocol: sha, authKey: short, privKey: privsecret }',
        '    - { name: c, level: noAuthNoPriv, authKey: authsecret }',
      ),
      want: [
        'traps.users[0].privProtocol: required for level authPriv',
        'traps.users[0].privKey: required for level authPriv',
        'traps.users[1].authKey: must be at least 8 characters (SNMPv3 USM)',
        'traps.users[1].privKey: not used with level authNoPriv; remove it or raise the level',
        'traps.users[2].authKey: not used with level noAuthNoPriv; remove it or raise the level',
      ],
    },
    {
      name: 'empty API token',
      text: 'api: { token: "" }\n',
      want: ['api.token: must not be empty; leave the key out to disable it'],
    },
    {
      name: 'device name unfit for a URL',
      text: yaml('devices:', '  - { name: "unknown:1", role: switch, address: 10.0.0.1 }'),
      want: [
        'devices[0].name: must start with a letter or digit and hold only letters, digits, ".", "_" and "-"',
      ],
    },
  ]);
});

describe('parseConfig: cross-field errors', () => {
  runIssueCases([
    {
      name: 'unknown leg switch',
      text: yaml(...SWITCHES, ...serverWithLegs('{ interface: eth0, switch: sw-c, port: swp1 }')),
      want: ['devices[2].groups[0].legs[0].switch: unknown device "sw-c"'],
    },
    {
      name: 'leg switch that is a server',
      text: yaml(
        ...SWITCHES,
        ...serverWithLegs('{ interface: eth0, switch: sw-a }', '{ interface: eth1, switch: srv2 }'),
        '  - { name: srv2, role: server, address: 10.0.0.22 }',
      ),
      want: ['devices[2].groups[0].legs[1].switch: "srv2" is a server, not a switch'],
    },
    {
      name: 'duplicate device name and address',
      text: yaml(...SWITCHES, '  - { name: sw-a, role: switch, address: 10.0.0.2 }'),
      want: [
        'devices[2].name: duplicate device name "sw-a" (also devices[0])',
        'devices[2].address: address "10.0.0.2" is already used by devices[1]',
      ],
    },
    {
      name: 'duplicate group and leg',
      text: yaml(
        ...SWITCHES,
        ...serverWithLegs('{ interface: eth0 }', '{ interface: eth0 }'),
        '      - { name: bond0, legs: [{ interface: eth2 }] }',
      ),
      want: [
        'devices[2].groups[1].name: duplicate group "bond0" (also devices[2].groups[0])',
        'devices[2].groups[0].legs[1].interface: duplicate leg "eth0" (also devices[2].groups[0].legs[0])',
      ],
    },
    {
      name: 'duplicate trap user',
      text: yaml(
        'traps:',
        '  users: [{ name: t, level: noAuthNoPriv }, { name: t, level: noAuthNoPriv }]',
      ),
      want: ['traps.users[1].name: duplicate user "t" (also traps.users[0])'],
    },
    {
      name: 'port without switch, groups on a switch',
      text: yaml(
        'devices:',
        '  - { name: sw-a, role: switch, address: 10.0.0.1, groups: [] }',
        ...serverWithLegs('{ interface: eth0, port: 3 }'),
      ),
      want: [
        'devices[0].groups: only a server has groups; "sw-a" is a switch',
        'devices[1].groups[0].legs[0].port: needs "switch": a port is named on the switch it belongs to',
      ],
    },
    {
      name: 'group source, kind, extend and primary',
      text: yaml(
        'devices:',
        '  - name: srv1',
        '    role: server',
        '    address: 10.0.0.21',
        '    groups:',
        '      - { name: g0, kind: members, legs: [{ interface: eth0 }] }',
        '      - { name: g1, source: if-mib, extend: g1, legs: [{ interface: eth0 }] }',
        '      - { name: g2, primary: eth9, legs: [{ interface: eth0 }, { interface: eth1 }] }',
      ),
      want: [
        'devices[0].groups[0].kind: "members" needs source: if-mib',
        'devices[0].groups[1].extend: only used with source: extend',
        'devices[0].groups[2].primary: "eth9" is not one of the group\'s legs (eth0, eth1)',
      ],
    },
    {
      name: 'SNMPv3 device without a user',
      text: yaml(
        'snmpDefaults: { version: 3 }',
        'devices:',
        '  - { name: sw-a, role: switch, address: 10.0.0.1 }',
        '  - { name: sw-b, role: switch, address: 10.0.0.2, snmp: { version: 2c } }',
        '  - { name: sw-c, role: switch, address: 10.0.0.3, netconf: { username: a, password: p } }',
        '  - name: sw-d',
        '    role: switch',
        '    address: 10.0.0.4',
        '    snmp: { version: 3, user: { name: u, level: noAuthNoPriv } }',
      ),
      want: ['devices[0].snmp.user: required for SNMP version 3'],
    },
    {
      name: 'cross-field checks still run beside schema errors',
      text: yaml(
        'pollIntervalS: 0',
        ...SWITCHES,
        ...serverWithLegs('{ interface: eth0, switch: sw-x, speed: 10 }'),
      ),
      want: [
        'pollIntervalS: must be greater than 0, got 0',
        'devices[2].groups[0].legs[0].speed: unknown key',
        'devices[2].groups[0].legs[0].switch: unknown device "sw-x"',
      ],
    },
  ]);
});

describe('parseConfig: a server polled over NETCONF', () => {
  runIssueCases([
    {
      name: 'an extend group cannot be read over NETCONF',
      text: yaml(
        ...SWITCHES.slice(0, 2),
        '  - name: srv-n',
        '    role: server',
        '    address: 10.0.0.9',
        '    netconf: { username: admin, privateKeyFile: /etc/nicwatch/id_ed25519 }',
        '    groups:',
        '      - { name: bond0, legs: [{ interface: eth0 }] }',
        '      - { name: team0, source: if-mib, legs: [{ interface: eth1 }, { interface: eth2 }] }',
      ),
      want: [
        'devices[1].groups[0].source: source extend is read over SNMP, and this device is polled over NETCONF: use source: if-mib',
      ],
    },
  ]);
});

describe('parseConfig: the netconf block', () => {
  const FINGERPRINT = 'SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s';
  runIssueCases([
    {
      name: 'neither password nor privateKeyFile: no other keys are tried',
      text: yaml(
        ...SWITCHES,
        '  - { name: sw-c, role: switch, address: 10.0.0.3, netconf: { username: a } }',
      ),
      want: ['devices[2].netconf.password: give password or privateKeyFile'],
    },
    {
      name: 'a key file alone, or a password alone, is enough',
      text: yaml(
        ...SWITCHES,
        '  - { name: sw-c, role: switch, address: 10.0.0.3, netconf: { username: a, privateKeyFile: /k } }',
        '  - { name: sw-d, role: switch, address: 10.0.0.4, netconf: { username: a, password: "" } }',
      ),
      want: [],
    },
    {
      name: 'a host key not as ssh-keygen -lf prints it',
      text: yaml(
        ...SWITCHES,
        '  - name: sw-c',
        '    role: switch',
        '    address: 10.0.0.3',
        '    netconf: { username: a, password: p, hostKey: "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48" }',
      ),
      want: [
        'devices[2].netconf.hostKey: must be "SHA256:" and 43 base64 characters, as ssh-keygen -lf prints it',
      ],
    },
  ]);

  it('reads hostKey as given, and the poller pins it', () => {
    const config = parseConfig(
      yaml(
        ...SWITCHES,
        '  - name: sw-c',
        '    role: switch',
        '    address: 10.0.0.3',
        `    netconf: { username: a, password: p, hostKey: "${FINGERPRINT}" }`,
      ),
      'test.yaml',
      {},
    );
    const device = config.devices[2];
    if (device?.netconf === undefined) throw new Error('no netconf block');
    expect(device.netconf.hostKey).toBe(FINGERPRINT);
    expect(netconfTargetOf(device, device.netconf).hostKeySha256).toBe(FINGERPRINT);
  });
});

describe('parseConfig: environment', () => {
  runIssueCases([
    {
      name: 'missing variable names its path',
      text: yaml(
        ...SWITCHES.slice(0, 2),
        '  - name: sw-b',
        '    role: switch',
        '    address: 10.0.0.2',
        '    netconf: { port: 830, username: admin, password: "${SW_B_PASS}" }',
      ),
      want: ['devices[1].netconf.password: environment variable "SW_B_PASS" is not set'],
    },
    {
      name: 'missing variables in a list and a number, without a repeated type error',
      text: yaml(
        'traps: { communities: [public, "${TRAP_COMMUNITY}"] }',
        'pollIntervalS: ${POLL_S}',
      ),
      want: [
        'traps.communities[1]: environment variable "TRAP_COMMUNITY" is not set',
        'pollIntervalS: environment variable "POLL_S" is not set',
      ],
    },
    {
      name: 'malformed reference',
      text: 'redis: { prefix: "nw-${}" }\n',
      want: ['redis.prefix: "${}" is not a valid environment variable reference'],
    },
    {
      name: 'NICWATCH_REDIS_URL that is no redis URL',
      text: VALID,
      env: { NICWATCH_REDIS_URL: 'http://cache:6379' },
      want: ['redis.url: must be a redis:// or rediss:// URL (from NICWATCH_REDIS_URL)'],
    },
  ]);

  interface ValueCase {
    name: string;
    text: string;
    env: Record<string, string>;
    pick: (config: NicwatchConfig) => unknown;
    want: unknown;
  }
  const valueCases: ValueCase[] = [
    {
      name: 'nested value',
      text: yaml(
        ...SWITCHES,
        '  - name: sw-c',
        '    role: switch',
        '    address: 10.0.0.3',
        '    netconf: { username: admin, password: "${PASS}" }',
      ),
      env: { PASS: 's3cret' },
      pick: (config) => config.devices[2]?.netconf?.password,
      want: 's3cret',
    },
    {
      name: 'list items, several references in one value',
      text: 'traps: { communities: ["${A}", "x-${A}-${B}-y", plain] }\n',
      env: { A: 'one', B: 'two' },
      pick: (config) => config.traps.communities,
      want: ['one', 'x-one-two-y', 'plain'],
    },
    {
      name: '$${NAME} escapes to a literal ${NAME}',
      text: 'redis: { prefix: "$${A}-${A}-$$" }\n',
      env: { A: 'one' },
      pick: (config) => config.redis.prefix,
      want: '${A}-one-$$',
    },
    {
      name: 'unquoted reference takes the YAML type of its value',
      text: yaml('pollIntervalS: ${POLL_S}', 'redis: { prefix: "${NUM}" }'),
      env: { POLL_S: '15', NUM: '42' },
      pick: (config) => [config.pollIntervalS, config.redis.prefix],
      want: [15, '42'],
    },
    {
      name: 'NICWATCH_REDIS_URL replaces redis.url',
      text: 'redis: { url: redis://127.0.0.1:6379/0, prefix: nw }\n',
      env: { NICWATCH_REDIS_URL: 'redis://:pw@cache.example:6380/2' },
      pick: (config) => config.redis,
      want: { url: 'redis://:pw@cache.example:6380/2', prefix: 'nw' },
    },
    {
      name: 'NICWATCH_REDIS_URL without a redis section',
      text: '',
      env: { NICWATCH_REDIS_URL: 'rediss://cache:6380' },
      pick: (config) => config.redis,
      want: { url: 'rediss://cache:6380', prefix: 'nicwatch' },
    },
  ];
  it.each(valueCases)('$name', ({ text, env, pick, want }) => {
    const got = pick(parseConfig(text, 'test.yaml', env));
    expect(got, `got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`).toEqual(want);
  });
});

describe('parseConfig: YAML syntax', () => {
  it('reports the line of a syntax error', () => {
    const got = issuesOf(yaml('devices:', '  - name: sw-a', '   role: switch'));
    expect(got).toHaveLength(1);
    expect(got[0], `got ${got[0]}, want a message starting "line 3, column 1: "`).toMatch(
      /^line 3, column 1: /,
    );
  });

  it('reports a duplicate key with its line', () => {
    const got = issuesOf(yaml('redis:', '  prefix: a', '  prefix: b'));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatch(/^line 3, column 3: /);
  });
});

describe('parseConfig: defaults and normalisation', () => {
  const versionCases = [
    { name: 'number 1', value: '1', want: '1' },
    { name: "string '1'", value: "'1'", want: '1' },
    { name: '2c', value: '2c', want: '2c' },
    { name: 'number 3', value: '3', want: '3' },
    { name: "string '3'", value: "'3'", want: '3' },
  ];
  it.each(versionCases)('SNMP version $name', ({ value, want }) => {
    const text = yaml(
      `snmpDefaults: { version: ${value}, user: { name: u, level: noAuthNoPriv } }`,
    );
    expect(parseConfig(text, 'test.yaml', {}).snmpDefaults.version).toBe(want);
  });

  it('an empty file is every default', () => {
    const got = parseConfig('', 'empty.yaml', {});
    expect(got).toEqual({
      redis: { url: 'redis://127.0.0.1:6379/0', prefix: 'nicwatch' },
      api: { listen: '127.0.0.1:8080' },
      traps: { listen: '0.0.0.0:162', communities: ['public'], users: [] },
      correlation: { windowMs: 30000, staleAfterS: 90 },
      snmpDefaults: { version: '2c', community: 'public', port: 161, timeoutMs: 2000, retries: 1 },
      pollIntervalS: 30,
      devices: [],
    });
  });

  it('fills extend with the group name and kind members for if-mib', () => {
    const text = yaml(
      'devices:',
      '  - name: srv1',
      '    role: server',
      '    address: "::1"',
      '    groups:',
      '      - { name: bond0, legs: [{ interface: eth0 }] }',
      '      - { name: pair, source: if-mib, legs: [{ interface: eth0 }, { interface: eth1 }] }',
    );
    const groups = parseConfig(text, 'test.yaml', {}).devices[0]?.groups;
    expect(groups?.map((g) => [g.source, g.extend, g.kind])).toEqual([
      ['extend', 'bond0', undefined],
      ['if-mib', undefined, 'members'],
    ]);
  });

  it('accepts traps.listen false and [IPv6]:port', () => {
    const got = parseConfig('traps: { listen: false }\napi: { listen: "[::1]:9090" }\n', 't', {});
    expect([got.traps.listen, got.api.listen]).toEqual([false, '[::1]:9090']);
  });
});

describe('loadConfig', () => {
  const env = { TRAP_AUTH: 'trap-auth-key', TRAP_PRIV: 'trap-priv-key', SW_B_PASS: 'sw-b-pass' };

  it('loads the contract example with every default filled', () => {
    const got = loadConfig(join(FIXTURES, 'contract-example.yaml'), env);
    const want: NicwatchConfig = {
      redis: { url: 'redis://127.0.0.1:6379/0', prefix: 'nicwatch' },
      api: { listen: '127.0.0.1:8080' },
      traps: {
        listen: '0.0.0.0:162',
        communities: ['public'],
        users: [
          {
            name: 'nwtrap',
            level: 'authPriv',
            authProtocol: 'sha',
            authKey: 'trap-auth-key',
            privProtocol: 'aes',
            privKey: 'trap-priv-key',
          },
        ],
      },
      correlation: { windowMs: 30000, staleAfterS: 90 },
      snmpDefaults: { version: '2c', community: 'public', port: 161, timeoutMs: 2000, retries: 1 },
      pollIntervalS: 30,
      devices: [
        { name: 'sw-a', role: 'switch', address: '127.0.0.11', snmp: { port: 16111 } },
        {
          name: 'sw-b',
          role: 'switch',
          address: '127.0.0.12',
          netconf: { port: 830, username: 'admin', password: 'sw-b-pass' },
        },
        {
          name: 'srv1',
          role: 'server',
          address: '127.0.0.21',
          snmp: { port: 16121 },
          groups: [
            {
              name: 'bond0',
              kind: 'linux-bond',
              source: 'extend',
              extend: 'bond0',
              primary: 'eth0',
              legs: [
                { interface: 'eth0', switch: 'sw-a', port: 'swp1' },
                { interface: 'eth1', switch: 'sw-b', port: 'swp1' },
              ],
            },
          ],
        },
      ],
    };
    expect(got).toEqual(want);
  });

  it('reports every error of broken.yaml at once', () => {
    let got: string[] = [];
    try {
      loadConfig(join(FIXTURES, 'broken.yaml'), {});
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      got = err.issues.map(formatConfigIssue);
      expect(err.file).toBe(join(FIXTURES, 'broken.yaml'));
      expect(err.message).toBe(got.join('\n'));
    }
    expect(got).toEqual([
      'devices[1].netconf.password: environment variable "SW_C_PASS" is not set',
      'redis.prefx: unknown key',
      'api.listen: port 80800 is out of range 0..65535',
      'snmpDefaults.version: must be 1, 2c or 3, got 4',
      'pollIntervalS: expected number, got string',
      'devices[1].address: required',
      'devices[3].role: must be one of switch, server, got "router"',
      'devices[3].name: duplicate device name "sw-a" (also devices[0])',
      'devices[2].groups[0].legs[1].switch: unknown device "sw-b"',
      'devices[2].groups[0].legs[2].switch: "srv1" is a server, not a switch',
    ]);
  });

  it('says when the file does not exist', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nicwatch-config-'));
    const file = join(dir, 'nope.yaml');
    try {
      expect(() => loadConfig(file, {})).toThrow(
        new ConfigError(file, [
          { path: '', message: `configuration file "${file}" does not exist` },
        ]),
      );
      writeFileSync(file, 'pollIntervalS: 10\n');
      expect(loadConfig(file, {}).pollIntervalS).toBe(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('resolveSnmp', () => {
  const config = parseConfig(
    yaml(
      'snmpDefaults: { community: dflt, retries: 3 }',
      'devices:',
      '  - { name: a, role: switch, address: 10.0.0.1 }',
      '  - { name: b, role: switch, address: 10.0.0.2, snmp: { port: 1161, community: own } }',
      '  - { name: c, role: switch, address: 10.0.0.3, netconf: { username: x, password: p } }',
      '  - { name: d, role: switch, address: 10.0.0.4, netconf: { username: x, password: p }, snmp: {} }',
    ),
    'test.yaml',
    {},
  );
  const base = { version: '2c', community: 'dflt', port: 161, timeoutMs: 2000, retries: 3 };
  const cases = [
    { name: 'no snmp block: the defaults', device: 0, want: base },
    {
      name: 'own keys over the defaults',
      device: 1,
      want: { ...base, port: 1161, community: 'own' },
    },
    { name: 'netconf without snmp: NETCONF only', device: 2, want: null },
    { name: 'netconf beside an snmp block', device: 3, want: base },
  ];
  it.each(cases)('$name', ({ device, want }) => {
    const target = config.devices[device];
    if (target === undefined) throw new Error(`no device ${device}`);
    expect(resolveSnmp(target, config)).toEqual(want);
  });
});
