/**
 * The switch-side decoders (IF-MIB, BRIDGE-MIB/RSTP-MIB, LLDP-MIB, LAG membership) on real walks of
 * Net-SNMP + snmp-bridge-mib serving Linux bridges (test/fixtures/switch/README.md), and on
 * hand-built varbinds for what that lab cannot produce.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/errors';
import type { InterfaceState, StpBridge, StpPortState } from '../../src/model';
import { decodeStpBridge, decodeStpPorts, normaliseBridgeId } from '../../src/snmp/bridge-mib';
import { decodeInterfaces, decodeLagMembership } from '../../src/snmp/if-mib';
import { decodeLldpNeighbours } from '../../src/snmp/lldp-mib';
import {
  DOT1D_BRIDGE,
  IF_STACK_TABLE,
  IF_TABLE,
  IF_X_TABLE,
  LLDP_LOC_PORT_TABLE,
  LLDP_REM_TABLE,
} from '../../src/snmp/oids';
import type { Varbind } from '../../src/snmp/session';
import { loadWalkFile, parseSnmpwalk, subtree } from '../helpers/snmpwalk-file';

const FIXTURES = join(__dirname, '..', 'fixtures', 'switch');
const walk = (name: string): Varbind[] => loadWalkFile(join(FIXTURES, `${name}.snmpwalk`));
const interfacesOf = (rows: Varbind[]): InterfaceState[] =>
  decodeInterfaces({ ifTable: subtree(rows, IF_TABLE), ifXTable: subtree(rows, IF_X_TABLE) });
const portsOf = (rows: Varbind[]) => {
  const bridge = subtree(rows, DOT1D_BRIDGE);
  return decodeStpPorts({ basePortIfIndex: bridge, stpPortState: bridge, operEdge: bridge });
};

/** ifIndex → name in each switch namespace (kernel ifindexes do not change within one). */
const NAMES: Record<string, Record<number, string>> = {
  swa: { 4: 'a-b', 5: 'a-c' },
  swb: { 4: 'b-a', 5: 'b-c', 6: 'b-srv' },
  swc: { 4: 'c-a', 5: 'c-b', 6: 'c-srv' },
};

describe('lab captures: snmp-bridge-mib on Linux bridges', () => {
  const portCases: {
    name: string;
    fixture: string;
    sw: string;
    want: Record<string, { bridgePort: number; state: StpPortState }>;
  }[] = [
    {
      name: 'root bridge: both ports forwarding',
      fixture: 'lab-swa',
      sw: 'swa',
      want: {
        'a-c': { bridgePort: 1, state: 'forwarding' },
        'a-b': { bridgePort: 2, state: 'forwarding' },
      },
    },
    {
      name: 'swb: designated on every segment, all forwarding',
      fixture: 'lab-swb',
      sw: 'swb',
      want: {
        'b-c': { bridgePort: 1, state: 'forwarding' },
        'b-a': { bridgePort: 2, state: 'forwarding' },
        'b-srv': { bridgePort: 3, state: 'forwarding' },
      },
    },
    {
      name: 'swc: the loop is cut at c-b (blocking), c-srv has no carrier (disabled)',
      fixture: 'lab-swc',
      sw: 'swc',
      want: {
        'c-a': { bridgePort: 1, state: 'forwarding' },
        'c-b': { bridgePort: 2, state: 'blocking' },
        'c-srv': { bridgePort: 3, state: 'disabled' },
      },
    },
    {
      name: 'swc 1.1 s after c-srv got its carrier: listening',
      fixture: 'lab-swc-listening',
      sw: 'swc',
      want: {
        'c-a': { bridgePort: 1, state: 'forwarding' },
        'c-b': { bridgePort: 2, state: 'blocking' },
        'c-srv': { bridgePort: 3, state: 'listening' },
      },
    },
    {
      name: 'swc 2.2 s after: learning, and the bridge ports renumbered',
      fixture: 'lab-swc-learning',
      sw: 'swc',
      want: {
        'c-b': { bridgePort: 1, state: 'blocking' },
        'c-srv': { bridgePort: 2, state: 'learning' },
        'c-a': { bridgePort: 3, state: 'forwarding' },
      },
    },
  ];

  it.each(portCases)('STP ports: $name', ({ fixture, sw, want }) => {
    const got = Object.fromEntries(
      portsOf(walk(fixture)).map((p) => [
        NAMES[sw]?.[p.ifIndex ?? -1] ?? `ifIndex ${p.ifIndex}`,
        { bridgePort: p.bridgePort, state: p.state },
      ]),
    );
    expect(got, `${fixture}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`).toEqual(
      want,
    );
  });

  it.each(['lab-swa', 'lab-swb', 'lab-swc', 'lab-swc-learning', 'lab-swa-topology-change'])(
    'edge is null: %s has no RSTP-MIB rows at all',
    (fixture) => {
      const rows = walk(fixture);
      expect(subtree(rows, '1.3.6.1.2.1.17.2.19'), 'dot1dStpExtPortTable rows').toEqual([]);
      expect(portsOf(rows).map((p) => p.edge)).toEqual(portsOf(rows).map(() => null));
    },
  );

  const bridgeCases: { name: string; fixture: string; want: StpBridge }[] = [
    {
      name: 'the root: its own id is the designated root, root port 0',
      fixture: 'lab-swa',
      want: {
        bridgeId: '1000.020000000a00',
        designatedRoot: '1000.020000000a00',
        rootPort: 0,
        topologyChanges: 0,
        timeSinceTopologyChangeS: 0,
      },
    },
    {
      name: 'swb: sysfs-text root id normalised',
      fixture: 'lab-swb',
      want: {
        bridgeId: '8000.020000000b00',
        designatedRoot: '1000.020000000a00',
        rootPort: 1,
        topologyChanges: 0,
        timeSinceTopologyChangeS: 0,
      },
    },
    {
      name: 'swc',
      fixture: 'lab-swc',
      want: {
        bridgeId: '8000.020000000c00',
        designatedRoot: '1000.020000000a00',
        rootPort: 1,
        topologyChanges: 0,
        timeSinceTopologyChangeS: 0,
      },
    },
    {
      // snmp-bridge-mib: the topology_change flag and the time left on its timer, as the agent says
      name: 'root during a topology change',
      fixture: 'lab-swa-topology-change',
      want: {
        bridgeId: '1000.020000000a00',
        designatedRoot: '1000.020000000a00',
        rootPort: 0,
        topologyChanges: 1,
        timeSinceTopologyChangeS: 7.78,
      },
    },
  ];

  it.each(bridgeCases)('STP bridge: $name', ({ fixture, want }) => {
    const got = decodeStpBridge(subtree(walk(fixture), DOT1D_BRIDGE));
    expect(got, `${fixture}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`).toEqual(
      want,
    );
  });

  it('reads scalars served without the .0 instance (snmp-bridge-mib)', () => {
    const rows = walk('lab-swb');
    expect(rows.some((r) => r.oid === '1.3.6.1.2.1.17.2.2')).toBe(true);
    expect(rows.some((r) => r.oid === '1.3.6.1.2.1.17.2.2.0')).toBe(false);
  });

  it('dot1dStpRootPort is the kernel port number, not a dot1dBasePort (swb)', () => {
    const rows = walk('lab-swb');
    const bridge = decodeStpBridge(subtree(rows, DOT1D_BRIDGE));
    const basePort1 = portsOf(rows).find((p) => p.bridgePort === bridge?.rootPort);
    // kernel root_port 1 is b-a; base port 1 is b-c: joining them would name the wrong port
    expect(NAMES.swb?.[basePort1?.ifIndex ?? -1]).toBe('b-c');
  });

  it('decodes IF-MIB of a bridge namespace: names, carrier, veth speed from ifHighSpeed', () => {
    const got = interfacesOf(walk('lab-swc')).map((i) => [
      i.ifIndex,
      i.name,
      i.operUp,
      i.speedMbps,
    ]);
    expect(got).toEqual([
      [1, 'lo', true, 10],
      [2, 'mgmt', true, 10000],
      [3, 'br0', true, 10000],
      [4, 'c-a', true, 10000],
      [5, 'c-b', true, 10000],
      [6, 'c-srv', false, 10000],
    ]);
  });

  it('has no ifStackTable on Net-SNMP/Linux: no LAG membership', () => {
    const rows = walk('lab-swc');
    expect(subtree(rows, IF_STACK_TABLE)).toEqual([]);
    expect(decodeLagMembership(subtree(rows, IF_STACK_TABLE), interfacesOf(rows))).toEqual({});
  });
});

/* ---- hand-built varbinds ---- */

const int = (oid: string, value: number): Varbind => ({ oid, value });
const str = (oid: string, value: string): Varbind => ({ oid, value: Buffer.from(value) });
const hex = (oid: string, value: string): Varbind => ({ oid, value: Buffer.from(value, 'hex') });

describe('normaliseBridgeId', () => {
  const cases: { name: string; value: Varbind['value']; want: string | null }[] = [
    {
      name: '8-byte BridgeId',
      value: Buffer.from('8000be2f127b8c19', 'hex'),
      want: '8000.be2f127b8c19',
    },
    {
      name: 'snmp-bridge-mib sysfs text as bytes',
      value: Buffer.from('8000.be2f127b8c19'),
      want: '8000.be2f127b8c19',
    },
    { name: 'sysfs text, upper case', value: '8000.BE2F127B8C19', want: '8000.be2f127b8c19' },
    {
      name: 'Net-SNMP Hex-STRING text',
      value: '80 00 BE 2F 12 7B 8C 19 ',
      want: '8000.be2f127b8c19',
    },
    { name: 'colon hex', value: '80:00:be:2f:12:7b:8c:19', want: '8000.be2f127b8c19' },
    { name: '16 hex digits', value: Buffer.from('0000308D9994DB80'), want: '0000.308d9994db80' },
    { name: 'NULL', value: null, want: null },
    { name: 'zero-length string (HP 2530 port rows)', value: Buffer.alloc(0), want: null },
  ];
  it.each(cases)('$name', ({ value, want }) => {
    expect(normaliseBridgeId(value)).toBe(want);
  });

  it.each([
    ['a MAC alone', Buffer.from('be2f127b8c19', 'hex')],
    ['decimal priority text', '32768.be2f127b8c19'],
    ['a number', 32768],
  ])('rejects %s', (_name, value) => {
    expect(() => normaliseBridgeId(value, '1.3.6.1.2.1.17.2.5.0')).toThrow(DecodeError);
    expect(() => normaliseBridgeId(value, '1.3.6.1.2.1.17.2.5.0')).toThrow(
      /1\.3\.6\.1\.2\.1\.17\.2\.5\.0/,
    );
  });

  it('orders as STP does when compared as strings: priority, then MAC', () => {
    const ids = [
      Buffer.from('8000000000000001', 'hex'),
      Buffer.from('1000.ffffffffffff'),
      '80 00 00 00 00 00 00 ff',
      Buffer.from('7000ffffffffffff', 'hex'),
    ].map((v) => normaliseBridgeId(v) ?? '');
    expect([...ids].sort()).toEqual([
      '1000.ffffffffffff',
      '7000.ffffffffffff',
      '8000.000000000001',
      '8000.0000000000ff',
    ]);
  });
});

describe('decodeStpBridge (hand-built)', () => {
  it('decodes a switch that sends an 8-byte BridgeId and .0 instances', () => {
    const got = decodeStpBridge([
      hex('1.3.6.1.2.1.17.1.1.0', '001122334455'),
      int('1.3.6.1.2.1.17.2.2.0', 32768 + 10),
      int('1.3.6.1.2.1.17.2.3.0', 12345),
      int('1.3.6.1.2.1.17.2.4.0', 7),
      hex('1.3.6.1.2.1.17.2.5.0', '1001aabbccddeeff'),
      int('1.3.6.1.2.1.17.2.7.0', 24),
    ]);
    expect(got).toEqual({
      bridgeId: '800a.001122334455',
      designatedRoot: '1001.aabbccddeeff',
      rootPort: 24,
      topologyChanges: 7,
      timeSinceTopologyChangeS: 123.45,
    });
  });

  it('is null for an agent without dot1dStp (only dot1dBase, or nothing)', () => {
    expect(decodeStpBridge([hex('1.3.6.1.2.1.17.1.1.0', '001122334455')])).toBeNull();
    expect(decodeStpBridge([])).toBeNull();
  });

  it.each([
    [
      'a 5-byte bridge address',
      [hex('1.3.6.1.2.1.17.1.1.0', '0011223344'), int('1.3.6.1.2.1.17.2.2.0', 1)],
      /1\.3\.6\.1\.2\.1\.17\.1\.1\.0/,
    ],
    [
      'a string-typed priority',
      [hex('1.3.6.1.2.1.17.1.1.0', '001122334455'), str('1.3.6.1.2.1.17.2.2.0', '32768')],
      /1\.3\.6\.1\.2\.1\.17\.2\.2\.0: expected an integer/,
    ],
    [
      'a priority above 65535',
      [hex('1.3.6.1.2.1.17.1.1.0', '001122334455'), int('1.3.6.1.2.1.17.2.2.0', 70000)],
      /outside 0\.\.65535/,
    ],
  ])('rejects %s', (_name, rows, message) => {
    expect(() => decodeStpBridge(rows)).toThrow(message);
  });
});

describe('decodeStpPorts (hand-built)', () => {
  const base = [
    int('1.3.6.1.2.1.17.1.4.1.2.1', 101),
    int('1.3.6.1.2.1.17.1.4.1.2.2', 102),
    int('1.3.6.1.2.1.17.1.4.1.2.3', 0),
  ];
  const states = [
    int('1.3.6.1.2.1.17.2.15.1.3.1', 5),
    int('1.3.6.1.2.1.17.2.15.1.3.2', 2),
    int('1.3.6.1.2.1.17.2.15.1.3.3', 1),
  ];

  it('reads RSTP-MIB dot1dStpPortOperEdgePort: true(1), false(2), missing row null', () => {
    const got = decodeStpPorts({
      basePortIfIndex: base,
      stpPortState: states,
      operEdge: [int('1.3.6.1.2.1.17.2.19.1.3.1', 1), int('1.3.6.1.2.1.17.2.19.1.3.2', 2)],
    });
    expect(got).toEqual([
      { bridgePort: 1, ifIndex: 101, state: 'forwarding', edge: true },
      { bridgePort: 2, ifIndex: 102, state: 'blocking', edge: false },
      // dot1dBasePortIfIndex 0: no interface
      { bridgePort: 3, ifIndex: null, state: 'disabled', edge: null },
    ]);
  });

  it('keeps a port found in only one table, with null for the other', () => {
    const got = decodeStpPorts({
      basePortIfIndex: [int('1.3.6.1.2.1.17.1.4.1.2.7', 107)],
      stpPortState: [int('1.3.6.1.2.1.17.2.15.1.3.9', 4)],
    });
    expect(got).toEqual([
      { bridgePort: 7, ifIndex: 107, state: null, edge: null },
      { bridgePort: 9, ifIndex: null, state: 'learning', edge: null },
    ]);
  });

  const bad: { name: string; walks: Parameters<typeof decodeStpPorts>[0]; oid: string }[] = [
    {
      name: 'state 0',
      walks: { basePortIfIndex: [], stpPortState: [int('1.3.6.1.2.1.17.2.15.1.3.4', 0)] },
      oid: '1.3.6.1.2.1.17.2.15.1.3.4',
    },
    {
      name: 'state 7',
      walks: { basePortIfIndex: [], stpPortState: [int('1.3.6.1.2.1.17.2.15.1.3.4', 7)] },
      oid: '1.3.6.1.2.1.17.2.15.1.3.4',
    },
    {
      name: 'state as a STRING',
      walks: { basePortIfIndex: [], stpPortState: [str('1.3.6.1.2.1.17.2.15.1.3.4', '5')] },
      oid: '1.3.6.1.2.1.17.2.15.1.3.4',
    },
    {
      name: 'edge 3',
      walks: {
        basePortIfIndex: base,
        stpPortState: states,
        operEdge: [int('1.3.6.1.2.1.17.2.19.1.3.2', 3)],
      },
      oid: '1.3.6.1.2.1.17.2.19.1.3.2',
    },
    {
      name: 'a two-part index',
      walks: { basePortIfIndex: [int('1.3.6.1.2.1.17.1.4.1.2.1.1', 5)], stpPortState: [] },
      oid: '1.3.6.1.2.1.17.1.4.1.2.1.1',
    },
  ];
  it.each(bad)('throws DecodeError naming the OID for $name', ({ walks, oid }) => {
    expect(() => decodeStpPorts(walks)).toThrow(DecodeError);
    expect(() => decodeStpPorts(walks)).toThrow(oid);
  });
});

describe('decodeInterfaces (hand-built)', () => {
  const row = (ifIndex: number, oper: number, extra: Varbind[] = []): Varbind[] => [
    str(`1.3.6.1.2.1.2.2.1.2.${ifIndex}`, `port ${ifIndex}`),
    int(`1.3.6.1.2.1.2.2.1.3.${ifIndex}`, 6),
    int(`1.3.6.1.2.1.2.2.1.8.${ifIndex}`, oper),
    ...extra,
  ];

  const operCases: [number, boolean | null, string][] = [
    [1, true, 'up'],
    [2, false, 'down'],
    [3, false, 'testing: passes no operational packets'],
    [4, null, 'unknown: the agent does not know'],
    [5, false, 'dormant: not forwarding traffic'],
    [6, false, 'notPresent'],
    [7, false, 'lowerLayerDown'],
  ];
  it.each(operCases)('ifOperStatus %i → operUp %s (%s)', (oper, want) => {
    const [got] = decodeInterfaces({ ifTable: row(1, oper), ifXTable: [] });
    expect(got?.operUp).toBe(want);
  });

  it('decodes an agent without ifXTable: ifDescr as name, speed from ifSpeed', () => {
    const got = decodeInterfaces({
      ifTable: [
        ...row(2, 1, [int('1.3.6.1.2.1.2.2.1.5.2', 100_000_000), int('1.3.6.1.2.1.2.2.1.7.2', 3)]),
        ...row(1, 2, [
          int('1.3.6.1.2.1.2.2.1.5.1', 4_294_967_295),
          int('1.3.6.1.2.1.2.2.1.9.1', 42),
        ]),
      ],
      ifXTable: [],
    });
    expect(got).toEqual([
      {
        ifIndex: 1,
        name: 'port 1',
        descr: 'port 1',
        alias: null,
        type: 6,
        operUp: false,
        adminUp: null,
        speedMbps: null,
        lastChangeTicks: 42,
      },
      {
        ifIndex: 2,
        name: 'port 2',
        descr: 'port 2',
        alias: null,
        type: 6,
        operUp: true,
        adminUp: false,
        speedMbps: 100,
        lastChangeTicks: null,
      },
    ]);
  });

  it('prefers ifName and ifHighSpeed; an empty ifName or ifAlias is no name or alias', () => {
    const got = decodeInterfaces({
      ifTable: [...row(1, 1, [int('1.3.6.1.2.1.2.2.1.5.1', 1_345_294_336)]), ...row(2, 1)],
      ifXTable: [
        str('1.3.6.1.2.1.31.1.1.1.1.1', 'Gi1/0/1'),
        int('1.3.6.1.2.1.31.1.1.1.15.1', 40_000),
        str('1.3.6.1.2.1.31.1.1.1.18.1', 'uplink to core'),
        str('1.3.6.1.2.1.31.1.1.1.1.2', ''),
        str('1.3.6.1.2.1.31.1.1.1.18.2', ''),
        str('1.3.6.1.2.1.31.1.1.1.1.99', 'no ifTable row'),
      ],
    });
    expect(got.map((i) => [i.ifIndex, i.name, i.alias, i.speedMbps])).toEqual([
      [1, 'Gi1/0/1', 'uplink to core', 40_000],
      [2, 'port 2', null, null],
    ]);
  });

  it.each([
    ['ifOperStatus 8', row(1, 8), '1.3.6.1.2.1.2.2.1.8.1'],
    ['ifAdminStatus 4', row(1, 1, [int('1.3.6.1.2.1.2.2.1.7.1', 4)]), '1.3.6.1.2.1.2.2.1.7.1'],
    ['ifType as a STRING', [str('1.3.6.1.2.1.2.2.1.3.1', '6')], '1.3.6.1.2.1.2.2.1.3.1'],
    [
      'the same OID twice with two values',
      [...row(1, 1), int('1.3.6.1.2.1.2.2.1.8.1', 2)],
      '1.3.6.1.2.1.2.2.1.8.1',
    ],
  ])('throws DecodeError naming the OID for %s', (_name, ifTable, oid) => {
    expect(() => decodeInterfaces({ ifTable, ifXTable: [] })).toThrow(DecodeError);
    expect(() => decodeInterfaces({ ifTable, ifXTable: [] })).toThrow(oid);
  });
});

describe('decodeLagMembership (hand-built)', () => {
  const iface = (ifIndex: number, type: number): InterfaceState => ({
    ifIndex,
    name: `if${ifIndex}`,
    descr: `if${ifIndex}`,
    alias: null,
    type,
    operUp: true,
    adminUp: true,
    speedMbps: 1000,
    lastChangeTicks: 0,
  });
  // Po1 (ifIndex 1001, ieee8023adLag) over ports 1 and 2; Vlan10 (l2vlan 135) over port 3
  const interfaces = [
    iface(1, 6),
    iface(2, 6),
    iface(3, 6),
    iface(4, 6),
    iface(1001, 161),
    iface(2010, 135),
  ];
  const stack = [
    int('1.3.6.1.2.1.31.1.2.1.3.0.1001', 1),
    int('1.3.6.1.2.1.31.1.2.1.3.0.2010', 1),
    int('1.3.6.1.2.1.31.1.2.1.3.1001.1', 1),
    int('1.3.6.1.2.1.31.1.2.1.3.1001.2', 1),
    int('1.3.6.1.2.1.31.1.2.1.3.1001.4', 2), // notInService: not a member now
    int('1.3.6.1.2.1.31.1.2.1.3.2010.3', 1),
    int('1.3.6.1.2.1.31.1.2.1.3.1.0', 1),
    int('1.3.6.1.2.1.31.1.2.1.3.3.0', 1),
  ];

  it('maps the members of an ieee8023adLag(161) interface through ifStackTable', () => {
    expect(decodeLagMembership(stack, interfaces)).toEqual({ 1: 1001, 2: 1001 });
  });

  it('adds dot3adAggPortSelectedAggID, skipping 0 (none selected) and a self-selected port', () => {
    const lagPorts = [
      int('1.2.840.10006.300.43.1.2.1.1.12.1', 1001),
      int('1.2.840.10006.300.43.1.2.1.1.12.3', 0),
      int('1.2.840.10006.300.43.1.2.1.1.12.4', 1001),
      int('1.2.840.10006.300.43.1.2.1.1.12.5', 5),
    ];
    expect(decodeLagMembership(stack, interfaces, lagPorts)).toEqual({ 1: 1001, 2: 1001, 4: 1001 });
    expect(decodeLagMembership([], interfaces, lagPorts)).toEqual({ 1: 1001, 4: 1001 });
  });

  it('throws DecodeError when the sources put a port in two aggregates', () => {
    const lagPorts = [int('1.2.840.10006.300.43.1.2.1.1.12.2', 1002)];
    expect(() => decodeLagMembership(stack, interfaces, lagPorts)).toThrow(DecodeError);
    expect(() => decodeLagMembership(stack, interfaces, lagPorts)).toThrow(
      /ifIndex 2 is in aggregate 1002/,
    );
  });

  it('throws DecodeError for an ifStackStatus outside RowStatus', () => {
    const bad = [int('1.3.6.1.2.1.31.1.2.1.3.1001.1', 7)];
    expect(() => decodeLagMembership(bad, interfaces)).toThrow('1.3.6.1.2.1.31.1.2.1.3.1001.1');
  });
});

describe('decodeLldpNeighbours (hand-built)', () => {
  const iface = (ifIndex: number, name: string, descr = name): InterfaceState => ({
    ifIndex,
    name,
    descr,
    alias: null,
    type: 6,
    operUp: true,
    adminUp: true,
    speedMbps: 1000,
    lastChangeTicks: 0,
  });
  const interfaces = [
    iface(10101, 'Gi1/0/1'),
    iface(10102, 'Gi1/0/2'),
    iface(10103, 'Gi1/0/3', 'uplink'),
    iface(10104, 'Gi1/0/4', 'uplink'),
    iface(5, 'eth5'),
  ];
  const REM = '1.0.8802.1.1.2.1.4.1.1';
  const LOC = '1.0.8802.1.1.2.1.3.7.1';
  /** One lldpRemTable row heard on local port `port`: MAC chassis id, interfaceName port id. */
  const neighbour = (port: number, remIndex: number, sysName = ''): Varbind[] => {
    const index = `0.${port}.${remIndex}`;
    return [
      int(`${REM}.4.${index}`, 4),
      hex(`${REM}.5.${index}`, `0011223344${remIndex.toString(16).padStart(2, '0')}`),
      int(`${REM}.6.${index}`, 5),
      str(`${REM}.7.${index}`, `eth${remIndex}`),
      str(`${REM}.8.${index}`, ''),
      str(`${REM}.9.${index}`, sysName),
    ];
  };
  const locPort = (port: number, subtype: number, id: Buffer): Varbind[] => [
    int(`${LOC}.2.${port}`, subtype),
    { oid: `${LOC}.3.${port}`, value: id },
  ];

  const cases: {
    name: string;
    port: number;
    loc: Varbind[];
    bridge?: Map<number, number>;
    want: number | null;
  }[] = [
    {
      name: 'localPortNum 17 ≠ ifIndex, mapped by lldpLocPortId interfaceName(5)',
      port: 17,
      loc: locPort(17, 5, Buffer.from('Gi1/0/1')),
      want: 10101,
    },
    {
      name: 'local(7) id naming the ifIndex in decimal',
      port: 3,
      loc: locPort(3, 7, Buffer.from('5')),
      want: 5,
    },
    {
      name: 'no lldpLocPortTable row: the bridge port map',
      port: 2,
      loc: [],
      bridge: new Map([[2, 10102]]),
      want: 10102,
    },
    {
      name: 'lldpLocPortTable and bridge map agree',
      port: 17,
      loc: locPort(17, 5, Buffer.from('Gi1/0/1')),
      bridge: new Map([[17, 10101]]),
      want: 10101,
    },
    {
      name: 'they disagree: null, not a pick',
      port: 17,
      loc: locPort(17, 5, Buffer.from('Gi1/0/1')),
      bridge: new Map([[17, 10102]]),
      want: null,
    },
    {
      name: 'macAddress(3) local id names no IF-MIB column: unmappable',
      port: 9,
      loc: locPort(9, 3, Buffer.from('001122334455', 'hex')),
      want: null,
    },
    {
      name: 'local id matching two interfaces (ifDescr "uplink"): unmappable',
      port: 8,
      loc: locPort(8, 7, Buffer.from('uplink')),
      want: null,
    },
    {
      name: 'no row anywhere: null, never the port number as an ifIndex',
      port: 5,
      loc: [],
      want: null,
    },
  ];

  it.each(cases)('localIfIndex: $name', ({ port, loc, bridge, want }) => {
    const [got] = decodeLldpNeighbours(
      { remTable: neighbour(port, 1), locPortTable: loc },
      interfaces,
      bridge,
    );
    expect(got?.localPortNum).toBe(port);
    expect(got?.localIfIndex, `got ${got?.localIfIndex}, want ${want}`).toBe(want);
  });

  it('formats ids by subtype and orders by local port, then lldpRemIndex', () => {
    const got = decodeLldpNeighbours(
      {
        remTable: [
          ...neighbour(17, 2, 'srv-b'),
          ...neighbour(3, 1, 'srv-a'),
          int(`${REM}.4.0.3.2`, 5),
          hex(`${REM}.5.0.3.2`, '01c0000207'),
          int(`${REM}.6.0.3.2`, 3),
          hex(`${REM}.7.0.3.2`, '02000000000a'),
          int(`${REM}.4.0.3.3`, 7),
          hex(`${REM}.5.0.3.3`, '00ff'),
          int(`${REM}.6.0.3.3`, 7),
          str(`${REM}.7.0.3.3`, 'port 9'),
        ],
        locPortTable: [],
      },
      interfaces,
    );
    expect(got.map((n) => [n.localPortNum, n.chassisId, n.portId, n.portDescr, n.sysName])).toEqual(
      [
        [3, '00:11:22:33:44:01', 'eth1', null, 'srv-a'],
        [3, '192.0.2.7', '02:00:00:00:00:0a', null, null],
        [3, '00:ff', 'port 9', null, null],
        [17, '00:11:22:33:44:02', 'eth2', null, 'srv-b'],
      ],
    );
  });

  it.each([
    [
      'lldpRemChassisIdSubtype 8',
      [...neighbour(1, 1), int(`${REM}.4.0.1.1`, 8)].slice(1),
      `${REM}.4.0.1.1`,
    ],
    [
      'lldpRemPortIdSubtype 0',
      [...neighbour(1, 1).filter((v) => !v.oid.startsWith(`${REM}.6.`)), int(`${REM}.6.0.1.1`, 0)],
      `${REM}.6.0.1.1`,
    ],
    [
      'a row without lldpRemChassisId',
      neighbour(1, 1).filter((v) => !v.oid.startsWith(`${REM}.5.`)),
      'lldpRemChassisId',
    ],
  ])('throws DecodeError for %s', (_name, remTable, message) => {
    expect(() => decodeLldpNeighbours({ remTable, locPortTable: [] }, interfaces)).toThrow(
      DecodeError,
    );
    expect(() => decodeLldpNeighbours({ remTable, locPortTable: [] }, interfaces)).toThrow(message);
  });
});

describe('snmpwalk-file loader', () => {
  it('turns typed -On lines into varbinds as session.ts returns them', () => {
    const got = parseSnmpwalk(
      [
        '.1.3.6.1.2.1.2.2.1.2.1 = STRING: "eth \\"0\\""',
        '.1.3.6.1.2.1.17.2.5 = Hex-STRING: 31 30 30 30 2E 30 32 30 30 30 30 30 30 30 61 30 ',
        '30 ',
        '.1.3.6.1.2.1.31.1.1.1.6.1 = Counter64: 18446744073709551615',
        '.1.3.6.1.2.1.2.2.1.9.1 = Timeticks: (601) 0:00:06.01',
        '.1.3.6.1.2.1.2.2.1.8.1 = INTEGER: up(1)',
        '.1.3.6.1.2.1.2.2.1.22.1 = OID: .0.0',
        '.1.3.6.1.2.1.31.1.1.1.18.1 = ""',
        '.1.3.6.1.2.1.31.1.2 = No Such Object available on this agent at this OID',
      ].join('\n'),
    );
    expect(got).toEqual([
      { oid: '1.3.6.1.2.1.2.2.1.2.1', value: Buffer.from('eth "0"') },
      { oid: '1.3.6.1.2.1.17.2.5', value: Buffer.from('1000.020000000a00') },
      { oid: '1.3.6.1.2.1.31.1.1.1.6.1', value: 18446744073709551615n },
      { oid: '1.3.6.1.2.1.2.2.1.9.1', value: 601 },
      { oid: '1.3.6.1.2.1.2.2.1.8.1', value: 1 },
      { oid: '1.3.6.1.2.1.2.2.1.22.1', value: '0.0' },
      { oid: '1.3.6.1.2.1.31.1.1.1.18.1', value: Buffer.alloc(0) },
    ]);
  });

  it('reads untyped LibreNMS lines by the object syntax: labels, d:h:mm:ss.cc', () => {
    const got = parseSnmpwalk(
      [
        '.1.3.6.1.2.1.2.2.1.3.5 = ieee8023adLag',
        '.1.3.6.1.2.1.2.2.1.8.5 = down',
        '.1.3.6.1.2.1.2.2.1.9.5 = 1:2:03:04.05',
        '.1.3.6.1.2.1.31.1.1.1.1.5 = 1',
        '.1.3.6.1.2.1.31.1.2.1.3.0.5 = active',
      ].join('\n'),
    );
    expect(got.map((v) => v.value)).toEqual([161, 2, 9_378_405, Buffer.from('1'), 1]);
  });

  it('rejects a label it does not know rather than guess', () => {
    expect(() => parseSnmpwalk('.1.3.6.1.2.1.2.2.1.8.5 = sideways')).toThrow(/unknown label/);
  });
});

describe('LLDP on the lab', () => {
  it('has no LLDP-MIB: no neighbours', () => {
    const rows = walk('lab-swc');
    expect(
      decodeLldpNeighbours(
        {
          remTable: subtree(rows, LLDP_REM_TABLE),
          locPortTable: subtree(rows, LLDP_LOC_PORT_TABLE),
        },
        interfacesOf(rows),
      ),
    ).toEqual([]);
  });
});
